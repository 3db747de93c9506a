import { appendFileSync } from 'node:fs';

/**
 * Records one chaos case (its area, and whether batchtune handled it as documented) for the suite-wide
 * table that `npm run chaos` prints; a no-op unless BATCHTUNE_CHAOS_TALLY names a file.
 */
export function tally(area: string, passed: boolean): void {
  const file = process.env.BATCHTUNE_CHAOS_TALLY;
  if (file) appendFileSync(file, `${JSON.stringify({ area, passed })}\n`);
}

/**
 * Counts of chaos cases, per area: each chaos test prints its own small table (cases tried and passed)
 * and, when `BATCHTUNE_CHAOS_TALLY` names a file, appends one JSON line per area to it
 * (`{"suite","area","tried","passed"}`), from which the whole suite's table is assembled.
 */
export class ChaosTally {
  private readonly areas = new Map<string, { tried: number; passed: number; failures: string[] }>();

  constructor(readonly suite: string) {}

  /** Records one case; returns whether it passed, so a test can assert on it after counting. */
  record(area: string, passed: boolean, failure?: string): boolean {
    const counts = this.areas.get(area) ?? { tried: 0, passed: 0, failures: [] };
    counts.tried += 1;
    if (passed) counts.passed += 1;
    else if (failure) counts.failures.push(failure);
    this.areas.set(area, counts);
    return passed;
  }

  /** The failures of an area, to show when its assertion fails. */
  failures(area: string): string[] {
    return this.areas.get(area)?.failures ?? [];
  }

  rows(): Array<{ suite: string; area: string; tried: number; passed: number }> {
    return [...this.areas].map(([area, { tried, passed }]) => ({ suite: this.suite, area, tried, passed }));
  }

  /** Prints the table and appends the counts to the tally file, if one is named. */
  report(): void {
    const rows = this.rows();
    const width = Math.max(4, ...rows.map((r) => r.area.length));
    const lines = [
      `${'area'.padEnd(width)}  tried  passed`,
      ...rows.map((r) => `${r.area.padEnd(width)}  ${String(r.tried).padStart(5)}  ${String(r.passed).padStart(6)}`),
    ];
    console.log(`chaos: ${this.suite}\n${lines.join('\n')}`);
    const file = process.env.BATCHTUNE_CHAOS_TALLY;
    if (file) appendFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}
