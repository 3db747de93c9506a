import { defineSampler } from '../../core/index.ts';
import { ConfigPool } from '../rungs.ts';

/**
 * Random configurations from the search's seeded stream: a finite space without replacement (a
 * shuffled grid), a continuous one sampled afresh each time. Every preset draws through it, so a
 * preset gives the decisions its strategy gave before samplers existed.
 */
export const randomSampler = defineSampler({
  name: 'random',
  description: 'Uniform random configurations; a finite space is drawn without replacement.',
  schema: { type: 'object', properties: {} },
  create(_options, context) {
    const pool = new ConfigPool(context);
    return {
      get capacity() {
        return pool.remaining;
      },
      propose: () => pool.next(),
    };
  },
});
