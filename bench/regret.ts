/** What the search-quality benchmarks share: the truth of a recorded configuration, quantiles, number format. */
import type { Params } from '../core/index.ts';
import { mean } from '../analysis/stats.ts';
import type { TabularFile } from '../plugins/trainers/tabular-file.ts';
import { at } from '../core/indexed.ts';

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return at(sorted, lo) + (at(sorted, hi) - at(sorted, lo)) * (pos - lo);
}

/** truth(c): mean over the recorded seeds of the final metric; null when any curve ends non-finite. */
export function truths(table: TabularFile): Array<{ params: Params; truth: number | null }> {
  return table.configs.map((c) => {
    const finals = c.curves.map((curve) => curve.at(-1)?.metrics[table.metric]);
    const finite = finals.every((v) => typeof v === 'number' && Number.isFinite(v));
    return { params: c.params, truth: finite ? mean(finals as number[]) : null };
  });
}

export function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '∞';
}
