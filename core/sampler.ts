import type { Params } from './params.ts';
import type { SearchState, Strategy, StrategyContext } from './strategy.ts';

/** One result a sampler can learn from: a trial's objective when it reached a resource level (a rung, a checkpoint). */
export interface Observation {
  trialId: number;
  params: Params;
  /** The level, in the search's resource unit (the segment's target). */
  resource: number;
  /** The objective at the segment's last report; null when it diverged. */
  value: number | null;
  /** The scheduler's tag on the trial (hyperband's `{ bracket }`). */
  tag?: unknown;
}

/** What a scheduler may say about the configuration it asks for. */
export interface SampleHint {
  /** Hyperband's bracket: a sampler may keep a model per bracket (Optuna's per-bracket view). */
  bracket?: number;
}

/** What a sampler sees when asked for a configuration (frozen snapshots; never mutate them). */
export interface SampleRequest extends SampleHint {
  state: SearchState;
  /** Every level each trial reached with its value there, in the order they came back. */
  observations: readonly Observation[];
}

/**
 * Proposes configurations: which point of the space to try next. It must be deterministic given its
 * context's `rng` and the requests it gets, so `--resume` (which replays the journal) asks it the same
 * questions and gets the same answers.
 */
export interface Sampler {
  /** How many distinct configurations it can still give in all (Infinity for a continuous space). */
  readonly capacity: number;
  /** The next configuration, or undefined when it has none left (a finite space used up). */
  propose(request: SampleRequest): Params | undefined;
}

/** A sampler is built with what a strategy is; its `rng` is the search's own stream. */
export type SamplerContext = StrategyContext;

/** The sampler as a scheduler calls it. */
export interface SamplerHandle {
  readonly capacity: number;
  draw(hint?: SampleHint): Params | undefined;
}

/** What a scheduler is built with: a strategy's context plus the sampler it draws from. */
export interface SchedulerContext extends StrategyContext {
  sampler: SamplerHandle;
}

/** A scheduler decides start, continue, stop and final; it is a strategy that draws its configurations from a sampler. */
export type Scheduler = Strategy;
