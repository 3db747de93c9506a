import type { BudgetUnit } from './budget.ts';
import { score, type Objective } from './objective.ts';
import type { Params } from './params.ts';
import type { Progress, ResourceUnit } from './resource.ts';
import type { TrialState, TrialView } from './trial.ts';

export interface TrialSummary {
  trialId: number;
  params: Params;
  state: TrialState;
  /** The objective at the trial's last report (null when it diverged). */
  value: number | null;
  /** Resource reached, in the search's resource unit. */
  resource: number;
  progress: Progress;
  /** Every metric of the last report. */
  metrics: Record<string, number | null>;
  /** The batch size and learning rate of the last segment (schedules may change them). */
  batchSize: number;
  learningRate: number;
  reason?: string;
  tag?: unknown;
}

export interface SearchSummary {
  best: { trialId: number; params: Params; metric: string; value: number; resource: number } | null;
  trials: TrialSummary[];
  budget: { unit: BudgetUnit; limit: number; spent: number };
  seed: number;
  strategy: string;
  trainer: string;
  trainerInfo: Record<string, unknown>;
  objective: Objective;
  resourceUnit: ResourceUnit;
  /** Seconds from start to end on the search's clock (simulated for replayed curves). */
  elapsedSeconds: number;
  /** Set when the search ended early because a plugin failed beyond recovery. */
  error?: string;
}

export function summarizeTrial(trial: TrialView): TrialSummary {
  return {
    trialId: trial.trialId,
    params: trial.params,
    state: trial.state,
    value: trial.value ?? null,
    resource: trial.resource,
    progress: trial.progress,
    metrics: trial.lastReport?.metrics ?? {},
    batchSize: trial.batchSize,
    learningRate: trial.learningRate,
    ...(trial.reason ? { reason: trial.reason } : {}),
    ...(trial.tag !== undefined ? { tag: trial.tag } : {}),
  };
}

/**
 * The default choice of best trial: the best objective at the last report among trials that
 * finished (completed, or stopped early by a callback); ties go to more resource, then the lower id.
 */
export function defaultBest(trials: readonly TrialView[], objective: Objective): TrialView | undefined {
  let best: TrialView | undefined;
  for (const trial of trials) {
    if (trial.state !== 'completed' && trial.state !== 'stopped') continue;
    if (score(trial.value, objective.mode) === -Infinity) continue;
    if (!best) {
      best = trial;
      continue;
    }
    const a = score(trial.value, objective.mode);
    const b = score(best.value, objective.mode);
    if (a > b || (a === b && trial.resource > best.resource)) best = trial;
  }
  return best;
}
