/**
 * How far each trial was trained, as the strategy meant it: the resource level each segment aimed at
 * (a rung, the grid's maximum), and whether the trial got there. A strategy compares trials at a
 * level; `report` compares batch sizes at the same level, so both judge the same trials.
 */
import { stoppedByCap, type JournalRecord, type JournalView, type Report } from '../core/index.ts';

/** One segment's end: the level it aimed at and where the trial stood. */
export interface LevelReached {
  /** The segment's target, in the search's resource unit. */
  level: number;
  /** The segment's last report (the trial's state at that level), when it made one. */
  report: Report | undefined;
  /**
   * It ended at the report point nearest the level, or where the trainer could take it no further
   * (as the engine counts it); false when the budget, a callback or an error cut it short.
   */
  reached: boolean;
  /** Why it did not reach the level (for the report's "not compared" list). */
  shortBy?: 'budget' | 'stopped' | 'failed' | 'infeasible';
}

type SegmentEnd = Extract<JournalRecord, { t: 'segmentEnd' }>;

function levelOf(end: SegmentEnd, reports: Report[]): LevelReached | undefined {
  const target = end.request.target;
  if (!target) return undefined;
  const report = reports.at(-1);
  const at = end.result?.progress[target.unit] ?? report?.progress[target.unit] ?? 0;
  let shortBy: LevelReached['shortBy'];
  if (end.error) shortBy = end.error.state;
  else if (end.result?.stopped && at < target.value) shortBy = 'stopped';
  else if (end.result && !end.result.exhausted && stoppedByCap(end.request, end.result)) shortBy = 'budget';
  return { level: target.value, report, reached: shortBy === undefined, ...(shortBy ? { shortBy } : {}) };
}

/**
 * Per trial, every segment's level in the order they ran, from the journal's one reducer
 * (`viewJournal`): segments that a crash cut short (no segmentEnd) are not in it.
 */
export function segmentLevels(view: Pick<JournalView, 'segments'>): Map<number, LevelReached[]> {
  const levels = new Map<number, LevelReached[]>();
  for (const { end, reports } of view.segments.values()) {
    const level = levelOf(end, reports);
    if (level) levels.set(end.trialId, [...(levels.get(end.trialId) ?? []), level]);
  }
  return levels;
}
