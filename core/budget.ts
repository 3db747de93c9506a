import type { Limits, Progress, ResourceUnit } from './resource.ts';

export type BudgetUnit = ResourceUnit | 'trials';

export interface BudgetConfig {
  unit: BudgetUnit;
  limit: number;
}

/**
 * Counts what the search spends. Every report charges what it trained. Before a segment starts the
 * engine asks for its caps; in examples and steps they are hard, and segments that run at once each
 * hold a reservation, so together they can never spend past the limit. Seconds cannot be capped
 * before a step is taken: each segment overshoots by at most one step.
 */
export class BudgetLedger {
  readonly unit: BudgetUnit;
  readonly limit: number;
  private spentAmount = 0;
  private trialsStarted = 0;
  /** Budget promised to segments in flight and not yet spent, by trial. */
  private readonly reservations = new Map<number, number>();
  private reservedTotal = 0;

  constructor(config: BudgetConfig) {
    this.unit = config.unit;
    this.limit = config.limit;
  }

  get spent(): number {
    return this.unit === 'trials' ? this.trialsStarted : this.spentAmount;
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.spent);
  }

  /** What a new segment may still be promised: the remainder less what segments in flight hold. */
  get available(): number {
    return Math.max(0, this.remaining - this.reservedTotal);
  }

  get exhausted(): boolean {
    return this.remaining <= 0;
  }

  /** Charges what a trial trained since its last charge. */
  charge(trialId: number, delta: Progress): void {
    if (this.unit === 'trials') return;
    const amount = delta[this.unit];
    this.spentAmount += amount;
    const held = this.reservations.get(trialId);
    if (held !== undefined) {
      const used = Math.min(held, Math.max(0, amount));
      this.reservations.set(trialId, held - used);
      this.reservedTotal -= used;
    }
  }

  /** Gives back a charge whose work is discarded (a segment lost with its worker, to be trained again). */
  refund(trialId: number, delta: Progress): void {
    if (this.unit === 'trials') return;
    this.spentAmount -= delta[this.unit];
    const held = this.reservations.get(trialId);
    if (held !== undefined) {
      this.reservations.set(trialId, held + delta[this.unit]);
      this.reservedTotal += delta[this.unit];
    }
  }

  canStartTrial(): boolean {
    return !this.exhausted;
  }

  noteTrialStarted(): void {
    this.trialsStarted += 1;
  }

  /**
   * The caps of a trial's next segment, given its progress, with a reservation that other segments
   * cannot take while it runs: at least `need` (the way to its target plus one step, when known) or an
   * equal share of what is available among `sharers` segments at once, whichever is larger, since one
   * "step" of a trainer that reports per epoch can be much longer than one batch.
   */
  open(trialId: number, progress: Progress, need = Infinity, sharers = 1): Limits {
    if (this.unit === 'trials') return {};
    if (this.unit === 'seconds') return { seconds: progress.seconds + this.remaining };
    const grant = Math.min(this.available, Math.max(need, this.available / sharers));
    this.reservations.set(trialId, grant);
    this.reservedTotal += grant;
    return { [this.unit]: progress[this.unit] + grant };
  }

  /** The segment ended: what it did not spend goes back to the pool. */
  close(trialId: number): void {
    const held = this.reservations.get(trialId);
    if (held === undefined) return;
    this.reservedTotal -= held;
    this.reservations.delete(trialId);
  }

  snapshot(): { unit: BudgetUnit; limit: number; spent: number; remaining: number } {
    return { unit: this.unit, limit: this.limit, spent: this.spent, remaining: this.remaining };
  }
}
