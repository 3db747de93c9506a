import { bestAtHighestLevel, type Objective, type TrialSummary } from '../core/index.ts';
import { scheduleOf, type ScheduleName } from '../strategies/batch-increase.ts';

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
  const tagged = trials.flatMap((t) => {
    const schedule = scheduleOf(t);
    return schedule ? [{ ...t, schedule }] : [];
  });
  const constant = tagged.find((t) => t.schedule === 'constant');
  return tagged.map((t) => ({
    schedule: t.schedule,
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
