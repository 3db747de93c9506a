import { defineStrategy, resolveMaxResource, type Decision } from '../core/index.ts';
import { distinctDraws } from './distinct-draws.ts';

export interface RandomOptions {
  maxResource?: number;
  nTrials?: number;
}

/**
 * Random configurations, each trained to `maxResource`, drawn with the strategy's seeded stream.
 * A finite space is drawn without replacement (lazily when large); a continuous one is sampled.
 */
export const randomStrategy = defineStrategy<RandomOptions>({
  name: 'random',
  description: 'Trains random configurations to maxResource until nTrials or the budget runs out.',
  schema: {
    type: 'object',
    properties: {
      maxResource: { type: 'number', exclusiveMinimum: 0, description: 'How far each trial trains; default: the most the trainer offers.' },
      nTrials: { type: 'integer', minimum: 1, description: 'How many trials to start; default: until the budget or a finite space runs out.' },
    },
  },
  create(options, context) {
    const maxResource = resolveMaxResource(options.maxResource, context);
    const { space, rng } = context;
    const draws = distinctDraws(space, rng);
    const limit = Math.min(options.nTrials ?? Infinity, draws.size);
    let started = 0;
    return {
      ask(state): Decision {
        if (started < limit) {
          const params = draws.next()!;
          started += 1;
          return { kind: 'start', params, resource: maxResource, final: true };
        }
        return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell() {},
    };
  },
});
