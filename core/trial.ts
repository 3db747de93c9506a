import type { Params } from './params.ts';
import type { Progress } from './resource.ts';
import type { Report } from './trainer.ts';

/**
 * Where a trial stands. `pending`: decided, waiting for a worker. `running`: a segment is in flight.
 * `paused`: it trained up to what was asked and may be continued. The rest are final: `completed` (trained as far as the search took
 * it), `stopped` (a callback stopped it), `pruned` (the strategy stopped it), `failed` (a plugin
 * threw), `infeasible` (the batch size does not fit).
 */
export type TrialState = 'pending' | 'running' | 'paused' | 'completed' | 'stopped' | 'pruned' | 'failed' | 'infeasible';

/** What one segment of a trial aimed at and what it reached, in the resource unit. */
export interface SegmentTrace {
  target: number;
  reached: number;
  /** Other segments training on the same machine at once (0: its throughput was measured alone). */
  sharedWith?: number;
}

/** A read-only view of a trial, as strategies, callbacks and reporters see it (a frozen snapshot). */
export interface TrialView {
  readonly trialId: number;
  readonly params: Params;
  readonly seed: number;
  /** Whatever the strategy attached when it started the trial (a bracket, a schedule name). */
  readonly tag?: unknown;
  readonly state: TrialState;
  readonly progress: Progress;
  /** Resource reached, in the search's resource unit. */
  readonly resource: number;
  /** Objective value at the last report (null when diverged, undefined before any report). */
  readonly value: number | null | undefined;
  readonly lastReport?: Report;
  readonly reports: readonly Report[];
  /** Why the trial ended, when it did not simply complete. */
  readonly reason?: string;
  /** The batch size and learning rate of the latest segment (schedules may change them). */
  readonly batchSize: number;
  readonly learningRate: number;
  /** Each finished segment's target and what it reached. */
  readonly segments: readonly SegmentTrace[];
}
