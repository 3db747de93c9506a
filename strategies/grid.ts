import { defineStrategy, resolveMaxResource, type Decision, type Params } from '../core/index.ts';

export interface GridOptions {
  maxResource?: number;
}

/** Every configuration of the space, in order, each trained to `maxResource`. */
export const gridStrategy = defineStrategy<GridOptions>({
  name: 'grid',
  description: 'Trains every configuration of the space to maxResource, in order.',
  schema: {
    type: 'object',
    properties: {
      maxResource: { type: 'number', exclusiveMinimum: 0, description: 'How far each trial trains, in the resource unit; default: the most the trainer offers.' },
    },
  },
  create(options, context) {
    const maxResource = resolveMaxResource(options.maxResource, context);
    // Lazily: a budget of 20 trials over a 10⁹-point grid touches 20 points.
    const points: Iterator<Params> = context.space.points();
    let next = points.next();
    return {
      ask(state): Decision {
        if (!next.done) {
          const params = next.value;
          next = points.next();
          return { kind: 'start', params, resource: maxResource, final: true };
        }
        return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell() {},
    };
  },
});
