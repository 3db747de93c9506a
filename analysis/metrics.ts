import type { TrialSummary } from '../core/index.ts';

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
