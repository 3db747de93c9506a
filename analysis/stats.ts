/** Small numeric helpers shared by the analyses. */

export const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

export interface Spread {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  std: number;
  min: number;
  max: number;
}

/** Mean, sample standard deviation and range of at least two values; null for fewer. */
export function spreadOf(values: readonly number[]): Spread | null {
  if (values.length < 2) return null;
  const m = mean(values);
  const std = Math.sqrt(values.reduce((s, x) => s + (x - m) ** 2, 0) / (values.length - 1));
  return { n: values.length, mean: m, std, min: Math.min(...values), max: Math.max(...values) };
}

/** Groups by a key, keeping first-seen order. */
export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}
