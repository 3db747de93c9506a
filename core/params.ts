/** The parameters of one trial: always a batch size and a learning rate, plus any extras. */
export type ParamValue = number | string | boolean;

export interface Params {
  batchSize: number;
  learningRate: number;
  [name: string]: ParamValue;
}

/** Learning-rate warmup: ramp linearly from `from` to the trial's rate over `examples` (Goyal et al. 2017). */
export interface Warmup {
  examples: number;
  from: number;
}

/** A stable text key for a parameter set, used to match and de-duplicate configurations. */
export function paramsKey(params: Record<string, ParamValue>): string {
  return JSON.stringify(
    Object.keys(params)
      .sort()
      .map((k) => [k, params[k]]),
  );
}

/** Equality that forgives floating-point noise in numbers (a learning rate computed by a rule). */
export function sameParams(a: Record<string, ParamValue>, b: Record<string, ParamValue>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x = a[k];
    const y = b[k];
    if (typeof x === 'number' && typeof y === 'number') {
      return x === y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
    }
    return x === y;
  });
}
