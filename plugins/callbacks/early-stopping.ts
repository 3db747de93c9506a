import { defineCallback, modeFor, score } from '../../core/index.ts';

interface EarlyStoppingOptions {
  monitor?: string;
  mode?: 'min' | 'max';
  patience: number;
  minDelta: number;
}

/** Stops a trial whose monitored metric has not improved by `minDelta` for `patience` reports. */
export const earlyStopping = defineCallback<EarlyStoppingOptions>({
  name: 'early-stopping',
  description: 'Stops a trial when the monitored metric stops improving (patience, minDelta).',
  schema: {
    type: 'object',
    properties: {
      monitor: { type: 'string', minLength: 1, description: 'Metric to watch; default: the objective.' },
      mode: { enum: ['min', 'max'], description: "Direction; default: the objective's, or inferred from the name." },
      patience: { type: 'integer', minimum: 1, default: 3 },
      minDelta: { type: 'number', minimum: 0, default: 0 },
    },
  },
  create(options, { objective }) {
    const monitor = options.monitor ?? objective.metric;
    const mode = modeFor(monitor, objective, options.mode);
    const state = new Map<number, { best: number; waited: number }>();
    return {
      metrics: [monitor],
      onReport(report, trial) {
        const value = score(report.metrics[monitor], mode);
        const seen = state.get(trial.trialId);
        if (!seen || value > seen.best + options.minDelta) {
          state.set(trial.trialId, { best: Math.max(value, seen?.best ?? -Infinity), waited: 0 });
          return;
        }
        seen.waited += 1;
        if (seen.waited >= options.patience) {
          const best = mode === 'max' ? seen.best : -seen.best;
          return {
            stop: true,
            reason: `no improvement in ${monitor} by more than ${options.minDelta} for ${options.patience} reports (best ${best})`,
          };
        }
      },
      onTrialEnd(trial) {
        state.delete(trial.trialId);
      },
    };
  },
});
