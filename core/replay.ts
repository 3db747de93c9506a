import { BatchtuneError } from './errors.ts';
import type { JournalEvent, JournalView } from './journal-state.ts';
import { segmentKey } from './journal-state.ts';
import type { RecordedSegment } from './journal.ts';
import type { Decision } from './strategy.ts';

/**
 * Resuming from a journal. The engine runs the search again from the start with the same seed: each
 * decision is checked against the recorded one, each recorded segment is replayed instead of trained,
 * and, where the journal recorded the order outcomes reached the strategy (`tell` records: workers
 * finish in any order), that order is followed until the recorded part is used up; then it runs live.
 */
export class Replay {
  private cursor = 0;
  private readonly recordedTells: Set<string>;
  private readonly hasTells: boolean;

  constructor(
    private readonly view: JournalView,
    private readonly journalPath: string,
  ) {
    const tells = view.events.filter((e) => e.kind === 'tell');
    this.recordedTells = new Set(tells.map((e) => segmentKey(e.trialId, e.seg)));
    this.hasTells = tells.length > 0;
  }

  get resumed(): boolean {
    return this.view.header !== undefined;
  }

  /** True while the journal dictates when to ask and which outcome to tell next. */
  get driving(): boolean {
    return this.hasTells && this.cursor < this.view.events.length;
  }

  get next(): JournalEvent | undefined {
    return this.driving ? this.view.events[this.cursor] : undefined;
  }

  /** Checks decision n against the journal; true when it was recorded (so it is not written again). */
  checkDecision(n: number, decision: Decision): boolean {
    const recorded = this.view.decisions[n];
    if (recorded === undefined) return false;
    // Version 1 had no `final` flag; the same search then made the same decisions without it.
    const now = this.view.header?.version === 1 && 'final' in decision ? { ...decision, final: undefined } : decision;
    if (JSON.stringify(recorded) !== JSON.stringify(now)) {
      throw new BatchtuneError(
        'JOURNAL_DIVERGED',
        `${this.journalPath}: decision ${n} differs from the journal (recorded ${JSON.stringify(recorded)}, now ${JSON.stringify(decision)}); the strategy is not deterministic or the plugins changed`,
      );
    }
    if (this.next?.kind === 'decision') this.cursor += 1;
    return true;
  }

  /** Marks a tell as done; true when it was recorded (so it is not written again). */
  checkTell(trialId: number, seg: number): boolean {
    const next = this.next;
    if (next?.kind === 'tell' && next.trialId === trialId && next.seg === seg) this.cursor += 1;
    return this.recordedTells.has(segmentKey(trialId, seg));
  }

  segment(trialId: number, seg: number): RecordedSegment | undefined {
    return this.view.segments.get(segmentKey(trialId, seg));
  }

  started(trialId: number): boolean {
    return this.view.startedTrials.has(trialId);
  }

  ended(trialId: number): boolean {
    return this.view.endedTrials.has(trialId);
  }
}
