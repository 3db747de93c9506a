import type { Limits, Progress, ResourceUnit } from './resource.ts';

export type BudgetUnit = ResourceUnit | 'trials';

export interface BudgetConfig {
  unit: BudgetUnit;
  limit: number;
}

/**
 * Counts what the search spends. Every training segment is charged; the engine asks the ledger for
 * the caps of a segment before it starts, so examples and steps never exceed the limit (the last
 * segment is truncated) and seconds overshoot by at most one training step.
 */
export class BudgetLedger {
  readonly unit: BudgetUnit;
  readonly limit: number;
  private spentAmount = 0;
  private trialsStarted = 0;
  /** Set when the remaining budget cannot buy a single step. */
  private starved = false;

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

  get exhausted(): boolean {
    return this.starved || this.remaining <= 0;
  }

  /** Charges the progress a segment made since the last charge. */
  charge(delta: Progress): void {
    if (this.unit !== 'trials') this.spentAmount += delta[this.unit];
  }

  canStartTrial(): boolean {
    return !this.exhausted;
  }

  noteTrialStarted(): void {
    this.trialsStarted += 1;
  }

  /** Marks the budget spent because what is left cannot pay for one step. */
  markStarved(): void {
    this.starved = true;
  }

  /** The caps of a trial's next segment, given its progress so far. */
  limitsFor(progress: Progress): Limits {
    if (this.unit === 'trials') return {};
    return { [this.unit]: progress[this.unit] + this.remaining };
  }

  snapshot(): { unit: BudgetUnit; limit: number; spent: number; remaining: number } {
    return { unit: this.unit, limit: this.limit, spent: this.spent, remaining: this.remaining };
  }
}
