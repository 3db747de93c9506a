/**
 * A custom callback: stops a trial that overfits, i.e. whose validation loss has exceeded its training
 * loss by more than `maxGap` for `patience` reports in a row. One instance serves the whole search, so
 * its state is kept per trial id and dropped when the trial ends.
 */
import { defineCallback, type Callback } from 'batchtune';

export interface OverfitOptions {
  maxGap: number;
  patience: number;
}

export const overfitCallback = defineCallback<OverfitOptions>({
  name: 'overfit',
  description: 'Stops a trial whose val_loss − train_loss stays above maxGap for patience reports.',
  schema: {
    type: 'object',
    required: ['maxGap'],
    properties: {
      maxGap: { type: 'number', exclusiveMinimum: 0 },
      patience: { type: 'integer', minimum: 1, default: 2 },
    },
  },
  create(options): Callback {
    const strikes = new Map<number, number>();
    return {
      // Both must be in every trial's first report, else the search stops with a config error naming them.
      metrics: ['val_loss', 'train_loss'],
      onReport(report, trial) {
        const { val_loss: validation, train_loss: training } = report.metrics;
        // null means not measured here (no step since the last report) or diverged: no verdict.
        if (typeof validation !== 'number' || typeof training !== 'number') return;
        const gap = validation - training;
        const count = gap > options.maxGap ? (strikes.get(trial.trialId) ?? 0) + 1 : 0;
        strikes.set(trial.trialId, count);
        if (count >= options.patience) {
          return { stop: true, reason: `val_loss − train_loss = ${gap.toFixed(3)} > ${options.maxGap} for ${count} reports` };
        }
        return undefined;
      },
      onTrialEnd(trial) {
        strikes.delete(trial.trialId);
      },
    };
  },
});
