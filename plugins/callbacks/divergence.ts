import { defineCallback } from '../../core/index.ts';

interface DivergenceOptions {
  loss: string;
  factor: number;
}

/**
 * Stops a diverged trial: any metric that is null, NaN or infinite, or the loss above `factor`
 * times its first reported value.
 */
export const divergence = defineCallback<DivergenceOptions>({
  name: 'divergence',
  description: 'Stops a trial whose metrics become NaN/Inf/null or whose loss exceeds factor × its first value.',
  schema: {
    type: 'object',
    properties: {
      loss: { type: 'string', minLength: 1, default: 'train_loss', description: 'The loss metric to watch for blow-up.' },
      factor: { type: 'number', exclusiveMinimum: 1, default: 10 },
    },
  },
  create(options) {
    const firstLoss = new Map<number, number>();
    return {
      onReport(report, trial) {
        for (const [name, value] of Object.entries(report.metrics)) {
          if (value === null || !Number.isFinite(value))
            return { stop: true, reason: `diverged: ${name} is ${value === null ? 'null' : value}` };
        }
        const loss = report.metrics[options.loss] ?? null;
        if (loss === null) return;
        const first = firstLoss.get(trial.trialId);
        if (first === undefined) {
          firstLoss.set(trial.trialId, loss);
        } else if (loss > options.factor * first) {
          return { stop: true, reason: `diverged: ${options.loss} ${loss} > ${options.factor} × first value ${first}` };
        }
      },
      onTrialEnd(trial) {
        firstLoss.delete(trial.trialId);
      },
    };
  },
});
