import type { BudgetUnit } from './budget.ts';
import { bestFinishedTrial, trained } from './best.ts';
import type { Objective } from './objective.ts';
import type { Params } from './params.ts';
import type { Progress, ResourceUnit } from './resource.ts';
import type { SegmentTrace, TrialState, TrialView } from './trial.ts';

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
  /** Each segment's target and the resource it actually reached (a step or recorded point near the target). */
  segments: SegmentTrace[];
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
    segments: [...trial.segments],
  };
}

/** The summary of a search, from its trials, the strategy's choice of best (if it made one) and the ledger. */
export function buildSummary(input: {
  trials: readonly TrialView[];
  bestId: number | undefined;
  ledger: { unit: BudgetUnit; limit: number; spent: number };
  setup: {
    seed: number;
    objective: Objective;
    resourceUnit: ResourceUnit;
    strategy: { name: string };
    trainer: { name: string; info: Record<string, unknown> };
  };
  elapsedSeconds: number;
  error?: string;
}): SearchSummary {
  const { trials, setup, ledger } = input;
  const chosen = input.bestId !== undefined ? trials[input.bestId] : undefined;
  const best = chosen && trained(chosen) ? chosen : bestFinishedTrial(trials, setup.objective);
  return {
    best:
      best && best.value !== null && best.value !== undefined
        ? { trialId: best.trialId, params: best.params, metric: setup.objective.metric, value: best.value, resource: best.resource }
        : null,
    trials: trials.map(summarizeTrial),
    budget: { unit: ledger.unit, limit: ledger.limit, spent: ledger.spent },
    seed: setup.seed,
    strategy: setup.strategy.name,
    trainer: setup.trainer.name,
    trainerInfo: setup.trainer.info,
    objective: setup.objective,
    resourceUnit: setup.resourceUnit,
    elapsedSeconds: input.elapsedSeconds,
    ...(input.error ? { error: input.error } : {}),
  };
}
