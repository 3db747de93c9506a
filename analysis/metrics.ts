import type { Report, TrialSummary } from '../core/index.ts';

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

/** How a batch size's speed was measured: with the machine to itself, or while other trials trained beside it. */
export type Measured = 'alone' | 'shared';

/** A trial trained alone unless one of its segments shared the machine (journals without placements ran inline, alone). */
function measuredAs(trial: Pick<TrialSummary, 'segments'>): Measured {
  return trial.segments.some((s) => (s.sharedWith ?? 0) > 0) ? 'shared' : 'alone';
}

/**
 * Examples per second and seconds per step over a batch size's trials, from the trials measured alone
 * when there are any (contention slows a trainer, so the two kinds are never pooled).
 */
export function speedOf(trials: ReadonlyArray<Pick<TrialSummary, 'segments'> & { reports: readonly Report[] }>): {
  examplesPerSecond: number | null;
  secondsPerStep: number | null;
  measured: Measured | null;
} {
  const alone = trials.filter((t) => measuredAs(t) === 'alone');
  const used = alone.length > 0 ? alone : trials;
  const sum = (pick: (r: Report) => number) =>
    used.reduce((s, t) => {
      const last = t.reports.at(-1);
      return s + (last ? pick(last) : 0);
    }, 0);
  const seconds = sum((r) => r.progress.seconds);
  const steps = sum((r) => r.progress.steps);
  const examples = sum((r) => r.progress.examples);
  return {
    examplesPerSecond: seconds > 0 ? examples / seconds : null,
    secondsPerStep: steps > 0 && seconds > 0 ? seconds / steps : null,
    measured: used.length === 0 || seconds <= 0 ? null : alone.length > 0 ? 'alone' : 'shared',
  };
}
