import { bestAtHighestLevel, type Objective, type TrialSummary } from '../../core/index.ts';
import { scheduleOf, type ScheduleName } from '../../strategies/batch-increase.ts';
import { formatNumber, renderTable } from './format.ts';
import { generalizationGap } from './trials-table.ts';

/** One schedule's outcome, read from its trial's last report. */
export interface ScheduleRow {
  schedule: ScheduleName;
  trialId: number;
  state: TrialSummary['state'];
  /** Batch size and learning rate of the last segment. */
  batchSize: number;
  learningRate: number;
  examples: number;
  steps: number;
  seconds: number;
  value: number | null;
  metrics: Record<string, number | null>;
  /** Steps fewer than the constant schedule took, as a fraction of its steps (0.5: half the steps). */
  stepsSaved: number | null;
}

/** The batch-increase study's trials, one row per schedule, in the order they ran. */
export function scheduleRows(trials: readonly TrialSummary[]): ScheduleRow[] {
  const tagged = trials.filter((t) => scheduleOf(t));
  const constant = tagged.find((t) => scheduleOf(t) === 'constant');
  return tagged.map((t) => ({
    schedule: scheduleOf(t)!,
    trialId: t.trialId,
    state: t.state,
    batchSize: t.batchSize,
    learningRate: t.learningRate,
    examples: t.progress.examples,
    steps: t.progress.steps,
    seconds: t.progress.seconds,
    value: t.value,
    metrics: t.metrics,
    stepsSaved: constant && constant.progress.steps > 0 ? 1 - t.progress.steps / constant.progress.steps : null,
  }));
}

/** The best row, chosen as the strategy chooses: among the schedules that went furthest, the best objective, then fewer steps. */
export function bestScheduleRow(rows: readonly ScheduleRow[], objective: Objective): ScheduleRow | undefined {
  const ran = rows.filter((r) => r.state !== 'failed' && r.state !== 'infeasible');
  return bestAtHighestLevel(ran, objective.mode, (r) => r.examples);
}

/** A table of schedules: final settings, examples, steps, seconds, the objective and the gap. */
export function schedulesTable(rows: readonly ScheduleRow[], objective: Objective): string {
  const extra = ['val_loss', 'train_loss'].filter((m) => m !== objective.metric && rows.some((r) => typeof r.metrics[m] === 'number'));
  const header = ['schedule', 'trial', 'state', 'final batch', 'final lr', 'examples', 'steps', 'steps saved', 'seconds', objective.metric, ...extra, 'gap'];
  const body = rows.map((r) => [
    r.schedule,
    String(r.trialId),
    r.state,
    String(r.batchSize),
    formatNumber(r.learningRate),
    formatNumber(r.examples),
    formatNumber(r.steps),
    r.stepsSaved === null ? '-' : `${Math.round(r.stepsSaved * 100)}%`,
    formatNumber(r.seconds, 3),
    formatNumber(r.value),
    ...extra.map((m) => formatNumber(r.metrics[m])),
    formatNumber(generalizationGap(r.metrics)),
  ]);
  const best = bestScheduleRow(rows, objective);
  const line = best
    ? `best: ${best.schedule} (trial ${best.trialId}) ${objective.metric}=${formatNumber(best.value)} in ${best.steps} steps, ${formatNumber(best.seconds, 3)} s`
    : 'best: none (no schedule finished with a finite objective)';
  return `${renderTable(header, body)}\n${line}`;
}
