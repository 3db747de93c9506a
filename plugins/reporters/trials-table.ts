import type { Objective, TrialSummary } from '../../core/index.ts';
import { formatNumber, renderTable } from './format.ts';

/**
 * The trials of a study as a table: parameters, state, progress, the objective, the train-validation
 * gap and throughput, each read from the trial's last report.
 */
export function trialsTable(trials: readonly TrialSummary[], objective: Objective): string {
  const extras = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].filter((k) => k !== 'batchSize' && k !== 'learningRate');
  const header = ['trial', 'batch', 'lr', ...extras, 'state', 'examples', 'steps', 'seconds', objective.metric, 'gap', 'ex/s'];
  const rows = trials.map((t) => [
    String(t.trialId),
    String(t.batchSize),
    formatNumber(t.learningRate),
    ...extras.map((k) => String(typeof t.params[k] === 'number' ? formatNumber(t.params[k] as number) : t.params[k])),
    t.state,
    formatNumber(t.progress.examples),
    formatNumber(t.progress.steps),
    formatNumber(t.progress.seconds, 3),
    formatNumber(t.value),
    formatNumber(generalizationGap(t.metrics)),
    formatNumber(throughput(t), 4),
  ]);
  return renderTable(header, rows);
}

/** Train minus validation accuracy, else validation minus train loss; undefined without both. */
export function generalizationGap(metrics: Record<string, number | null>): number | undefined {
  const { train_acc, val_acc, train_loss, val_loss } = metrics;
  if (typeof train_acc === 'number' && typeof val_acc === 'number') return train_acc - val_acc;
  if (typeof train_loss === 'number' && typeof val_loss === 'number') return val_loss - train_loss;
  return undefined;
}

/** Examples per training second over the whole trial. */
export function throughput(trial: Pick<TrialSummary, 'progress'>): number | undefined {
  return trial.progress.seconds > 0 ? trial.progress.examples / trial.progress.seconds : undefined;
}
