/** The metric a search optimises and its direction. */
export interface Objective {
  metric: string;
  mode: 'min' | 'max';
}

/** True when `a` is strictly better than `b`; a missing or non-finite value is worst. */
export function isBetter(a: number | null | undefined, b: number | null | undefined, mode: Objective['mode']): boolean {
  const fa = a !== null && a !== undefined && Number.isFinite(a);
  const fb = b !== null && b !== undefined && Number.isFinite(b);
  if (!fa) return false;
  if (!fb) return true;
  return mode === 'max' ? a > b : a < b;
}

/** Sort key: higher is better, non-finite values last. */
export function score(value: number | null | undefined, mode: Objective['mode']): number {
  if (value === null || value === undefined || !Number.isFinite(value)) return -Infinity;
  return mode === 'max' ? value : -value;
}

/** The direction of a metric: the objective's when it is the objective, else by its name. */
export function modeFor(metric: string, objective: Objective, explicit?: Objective['mode']): Objective['mode'] {
  if (explicit) return explicit;
  if (metric === objective.metric) return objective.mode;
  return /loss|error|mse|mae/i.test(metric) ? 'min' : 'max';
}
