import type { Objective } from './objective.ts';
import type { Report } from './trainer.ts';
import type { TrialView } from './trial.ts';

/** A callback's verdict on a report: nothing, or stop this trial with a reason. */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a callback written as `(): void` (returns nothing) must fit
export type CallbackVerdict = void | { stop: true; reason: string };

/**
 * Sees every report and may stop the trial (early stopping). One instance serves the whole search;
 * keep per-trial state keyed by trial id. A callback that throws is reported, never fatal.
 */
export interface Callback {
  /** May answer asynchronously; the engine awaits it before the trial trains on. */
  onReport(report: Report, trial: TrialView): CallbackVerdict | Promise<CallbackVerdict>;
  onTrialEnd?(trial: TrialView): void | Promise<void>;
  /** Metrics it reads: each must be in a trial's first report, else the search stops with a config error naming it. */
  readonly metrics?: readonly string[];
}

export interface CallbackContext {
  objective: Objective;
}
