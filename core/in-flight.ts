import type { SegmentOutcome } from './strategy.ts';
import { at } from './indexed.ts';

/** A segment that has been handed out, and the outcome it will have. */
export interface FlightEntry {
  trialId: number;
  seg: number;
  /** Order of submission, for deterministic ties. */
  order: number;
  /** Settles with the outcome once the segment has ended and the engine has recorded it. */
  done: Promise<SegmentOutcome>;
  outcome?: SegmentOutcome;
  /** On the simulated clock: when the segment finishes. */
  finish?: number;
}

/**
 * The segments in flight, and the order in which their outcomes reach the strategy: by the simulated
 * clock when segments run one at a time in this process (so N "workers" stay deterministic), in the
 * order machines finish them when they run for real, or exactly as the journal recorded on resume.
 */
export class InFlight {
  private readonly entries: FlightEntry[] = [];

  get size(): number {
    return this.entries.length;
  }

  add(entry: FlightEntry): void {
    entry.done.then((outcome) => (entry.outcome = outcome)).catch(() => {});
    this.entries.push(entry);
  }

  /** The next outcome on the simulated clock: the earliest finish, then the earliest submitted. */
  async nextByClock(): Promise<FlightEntry | undefined> {
    if (this.entries.length === 0) return undefined;
    await Promise.all(this.entries.map((e) => e.done));
    let index = 0;
    for (let i = 1; i < this.entries.length; i++) {
      const a = at(this.entries, i);
      const b = at(this.entries, index);
      const earlier = a.finish !== undefined && b.finish !== undefined && a.finish < b.finish;
      if (earlier || (a.finish === b.finish && a.order < b.order)) index = i;
    }
    return this.entries.splice(index, 1)[0];
  }

  /** The next segment to end for real (one already ended first, in submission order). */
  async nextToEnd(): Promise<FlightEntry | undefined> {
    if (this.entries.length === 0) return undefined;
    const ready = this.entries.find((e) => e.outcome);
    const entry = ready ?? (await Promise.race(this.entries.map((e) => e.done.then(() => e))));
    return this.take(entry.trialId, entry.seg);
  }

  /** The named segment (a resumed journal says which outcome came next). */
  async take(trialId: number, seg: number): Promise<FlightEntry | undefined> {
    const index = this.entries.findIndex((e) => e.trialId === trialId && e.seg === seg);
    if (index < 0) return undefined;
    const entry = at(this.entries, index);
    this.entries.splice(index, 1);
    await entry.done;
    return entry;
  }
}
