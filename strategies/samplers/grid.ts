import { defineSampler, type Params } from '../../core/index.ts';

/**
 * Every configuration of the space, in the space's order (batch size, then learning rate, then extras),
 * walked lazily: a search of 20 trials over a 10⁹-point grid touches 20 points.
 */
export const gridSampler = defineSampler({
  name: 'grid',
  description: 'Every configuration of a finite space, in order; nothing more once they are all proposed.',
  schema: { type: 'object', properties: {} },
  create(_options, context) {
    const points: Iterator<Params> = context.space.points();
    // Taken at once, so a space that is not a grid (a continuous parameter) is refused before the search starts.
    let next = points.next();
    let proposed = 0;
    return {
      get capacity() {
        return context.space.size - proposed;
      },
      propose: () => {
        if (next.done) return undefined;
        const params = next.value;
        next = points.next();
        proposed += 1;
        return params;
      },
    };
  },
});
