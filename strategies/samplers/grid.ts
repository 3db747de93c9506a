import { defineSampler, type Params } from '../../core/index.ts';

/** Every configuration of the space, in the space's order (batch size, then learning rate, then extras). */
export const gridSampler = defineSampler({
  name: 'grid',
  description: 'Every configuration of a finite space, in order; nothing more once they are all proposed.',
  schema: { type: 'object', properties: {} },
  create(_options, context) {
    const points: Params[] = context.space.grid();
    let next = 0;
    return {
      get capacity() {
        return points.length - next;
      },
      propose: () => (next < points.length ? points[next++] : undefined),
    };
  },
});
