import { withinLimits, type Progress, type ResourceUnit } from './resource.ts';
import type { TrainRequest } from './trainer.ts';

/** Why a segment ended: at the point nearest its target, or at a hard limit. */
export type SegmentEnd = 'target' | 'limits';

/** Where a segment aims: "train up to `value` in `unit`", cumulative over the trial. */
export interface Target {
  unit: ResourceUnit;
  value: number;
}

/**
 * The one rule every trainer follows to end a segment, asked before each step (or each recorded point)
 * that would take the trial from `current` to `next`; `start` is where the segment began.
 *
 * - The request's `limits` are hard caps (the budget): a step that would exceed one is never taken.
 * - The target is soft: a trainer can only stop where it can report (a step boundary, a recorded point,
 *   an epoch end), and rarely exactly at r. The segment ends at the reachable point nearest r (the lower
 *   one on a tie), and never with zero progress while the trial can still train: a first step that
 *   overshoots r is taken. So at batch 1024, "up to 10,000 examples" ends at 10,240, not at 9,216.
 *
 * A `next` whose seconds are unknown before the step may repeat `current.seconds`; the segment then ends
 * at the first point at or past a seconds target.
 */
export function endsBefore(
  start: Progress,
  current: Progress,
  next: Progress,
  request: Pick<TrainRequest, 'limits' | 'target'>,
): SegmentEnd | false {
  const target = request.target;
  if (target && current[target.unit] >= target.value) return 'target';
  if (!withinLimits(current, next, request.limits)) return 'limits';
  if (!target) return false;
  const { unit, value } = target;
  if (next[unit] <= value) return false;
  if (current[unit] <= start[unit]) return false;
  return value - current[unit] <= next[unit] - value ? 'target' : false;
}

/**
 * Whether the budget's hard cap, not the target, ended a segment: the trainer's word (`endedBy`) when it
 * gave it; else the trial stopped short of its target while a cap tighter than the target would have
 * been crossed by the next step. The engine (is a trial cut by the budget?) and `report` (was it judged
 * at its level?) both decide with this, so they agree.
 */
export function stoppedByCap(
  request: Pick<TrainRequest, 'limits' | 'target' | 'batchSize'>,
  result: { progress: Progress; endedBy?: SegmentEnd },
): boolean {
  if (result.endedBy) return result.endedBy === 'limits';
  const { limits, target, batchSize } = request;
  const { progress } = result;
  if (target && progress[target.unit] >= target.value) return false;
  const binds = (unit: ResourceUnit, limit: number | undefined): limit is number =>
    limit !== undefined && (target?.unit !== unit || limit < target.value);
  return (
    (binds('examples', limits.examples) && progress.examples + batchSize > limits.examples) ||
    (binds('steps', limits.steps) && progress.steps + 1 > limits.steps) ||
    (binds('seconds', limits.seconds) && progress.seconds >= limits.seconds)
  );
}
