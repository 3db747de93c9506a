import { defineStrategy, resolveMaxResource } from '../core/index.ts';
import { composeStrategy } from './compose.ts';
import { fifoScheduler } from './fifo.ts';
import { gridSampler } from './samplers/grid.ts';

interface GridOptions {
  maxResource?: number;
}

/** The `grid` strategy: every configuration of the space, in order (grid sampler), each trained to `maxResource` (fifo scheduler). */
export const gridStrategy = defineStrategy<GridOptions>({
  name: 'grid',
  description: 'Trains every configuration of the space to maxResource, in order.',
  schema: {
    type: 'object',
    properties: {
      maxResource: {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'How far each trial trains, in the resource unit; default: the most the trainer offers.',
      },
    },
  },
  create(options, context) {
    resolveMaxResource(options.maxResource, context);
    return composeStrategy(gridSampler, {}, fifoScheduler, { maxResource: options.maxResource }, context);
  },
});
