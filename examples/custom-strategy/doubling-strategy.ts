/**
 * A strategy written outside batchtune and loaded through `"plugins"` in a config. It starts at the
 * smallest batch size and doubles it while the objective at equal examples keeps improving, then
 * stops: the cheapest way to find where larger batches stop paying off.
 */
import { defineStrategy, isBetter, resolveMaxResource, type Decision } from 'batchtune';

interface DoublingOptions {
  startBatchSize?: number;
  maxResource?: number;
  /** Stop once the objective improves by less than this. */
  minImprovement: number;
}

export const doubling = defineStrategy<DoublingOptions>({
  name: 'doubling',
  description: 'Doubles the batch size while the objective at equal examples improves.',
  schema: {
    type: 'object',
    properties: {
      startBatchSize: { type: 'integer', minimum: 1 },
      maxResource: { type: 'number', exclusiveMinimum: 0 },
      minImprovement: { type: 'number', minimum: 0, default: 0 },
    },
  },
  create(options, context) {
    const resource = resolveMaxResource(options.maxResource, context);
    const sizes = context.space.batchSizes;
    let batchSize: number | undefined = options.startBatchSize ?? sizes[0];
    let best: number | null | undefined;
    let waiting = false;
    return {
      ask(): Decision {
        if (waiting) return { kind: 'wait' };
        if (batchSize === undefined || !sizes.includes(batchSize)) return { kind: 'done' };
        waiting = true;
        const learningRate = context.space.learningRatesFor(batchSize)[0];
        if (learningRate === undefined) return { kind: 'done' };
        return { kind: 'start', params: { batchSize, learningRate }, resource };
      },
      tell({ trial }) {
        waiting = false;
        const value = trial.value;
        const improved =
          best === undefined ||
          (isBetter(value, best, context.objective.mode) && Math.abs((value ?? 0) - (best ?? 0)) >= options.minImprovement);
        if (improved) {
          best = value;
          batchSize = trial.params.batchSize * 2;
        } else {
          batchSize = undefined;
        }
      },
    };
  },
});
