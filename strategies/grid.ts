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
    const points: Params[] = context.space.grid();
    let next = 0;
    return {
      ask(state): Decision {
        if (next < points.length) return { kind: 'start', params: points[next++], resource: maxResource, final: true };
        return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell() {},
    };
  },
});
