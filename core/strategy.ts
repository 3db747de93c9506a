import { configError } from './errors.ts';
import type { Objective } from './objective.ts';
import type { Params } from './params.ts';
import type { ResourceUnit } from './resource.ts';
import type { Rng } from './rng.ts';
import type { SearchSpace } from './space.ts';
import type { TrialView } from './trial.ts';
import type { BudgetUnit } from './budget.ts';

/** Per-segment overrides: a batch-increase schedule changes the batch size or learning rate. */
export interface SegmentSettings {
  batchSize?: number;
  learningRate?: number;
}

/**
 * What a strategy wants next. Resources are absolute, in the search's resource unit: "train up to r".
 * - start: open a new trial with these params and train it up to `resource` (the report point nearest
 *   it: see `endsBefore`). `final: true` (on start or continue) says this is the trial's last segment:
 *   the engine completes the trial, frees its session and reports it the moment the segment ends. The trial's seed
 *   (initial weights, shuffling) derives from the search seed and its id, unless `seed` pins it:
 *   trials that share a seed start from the same weights (a paired comparison).
 * - continue: train a paused trial further, up to `resource` (it continues, never restarts).
 * - stop: end a paused trial now (it is marked pruned).
 * - wait: nothing to start until a running trial reports back.
 * - done: the search is over.
 */
export type Decision =
  | { kind: 'start'; params: Params; resource: number; tag?: unknown; settings?: SegmentSettings; seed?: number; final?: boolean }
  | { kind: 'continue'; trialId: number; resource: number; settings?: SegmentSettings; final?: boolean }
  | { kind: 'stop'; trialId: number; reason?: string }
  | { kind: 'wait' }
  | { kind: 'done' };

/** The outcome of one segment, told to the strategy when the segment finishes. */
export interface SegmentOutcome {
  trial: TrialView;
  /** The decision that started this segment. */
  decision: Decision;
  /** The trial reached what was asked, or the trainer could go no further. */
  reachedTarget: boolean;
  /** The trainer can train this trial no further. */
  exhausted: boolean;
}

/** What a strategy sees when asked. */
export interface SearchState {
  /** Every trial so far, by id (frozen snapshots). */
  readonly trials: readonly TrialView[];
  readonly running: number;
  readonly concurrency: number;
  readonly budget: { readonly unit: BudgetUnit; readonly limit: number; readonly spent: number; readonly remaining: number };
  /** Simulated or wall-clock seconds since the search started. */
  readonly now: number;
}

/** What a strategy is built with. */
export interface StrategyContext {
  space: SearchSpace;
  objective: Objective;
  resourceUnit: ResourceUnit;
  /** The most the trainer can give a trial, in the resource unit, when it knows. */
  trainerMaxResource?: number | undefined;
  budget: { unit: BudgetUnit; limit: number };
  concurrency: number;
  /** The strategy's own seeded stream. */
  rng: Rng;
  seed: number;
}

/**
 * The one interface a search strategy implements (ask/tell). It returns decisions; the engine acts
 * on them. A strategy must be deterministic given its context's rng and the outcomes it is told:
 * that is how `--resume` rebuilds its state from the journal.
 */
export interface Strategy {
  ask(state: SearchState): Decision | Promise<Decision>;
  tell(outcome: SegmentOutcome, state: SearchState): void | Promise<void>;
  /** The trial the strategy returns as best; by default the engine picks among finished trials. */
  best?(state: SearchState): number | undefined | Promise<number | undefined>;
}

/** A strategy's `maxResource` option, else the most the trainer offers; an error when neither is known. */
export function resolveMaxResource(option: number | undefined, context: StrategyContext, path = 'strategy.maxResource'): number {
  const value = option ?? context.trainerMaxResource;
  if (value === undefined) {
    throw configError(path, `is required: the trainer declares no maximum ${context.resourceUnit}`);
  }
  if (!(value > 0)) throw configError(path, 'must be > 0', value);
  return value;
}
