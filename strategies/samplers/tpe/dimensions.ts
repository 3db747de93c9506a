/**
 * How the model-based samplers see a search space: each parameter as a dimension on the scale where
 * distances mean something. Batch size is ordinal on log₂, the learning rate continuous on a log scale
 * (or left out when a rule ties it to the batch size: the rule's multiplier is then fixed), int and
 * uniform params linear, loguniform params on a log scale, choices categorical.
 */
import type { Params, ParamValue, SearchSpace } from '../../../core/index.ts';
import { at } from '../../../core/indexed.ts';

export type Dimension =
  | { kind: 'numeric'; name: string; low: number; high: number; encode: (v: number) => number; decode: (x: number) => number }
  /** `undefined` is a category of its own: configurations of a list that lack the key. */
  | { kind: 'categorical'; name: string; choices: Array<ParamValue | undefined> };

const log2 = Math.log2;

/** Snaps x to the nearest allowed value on the internal scale. */
function nearest(values: readonly number[], encode: (v: number) => number): (x: number) => number {
  return (x) => values.reduce((best, v) => (Math.abs(encode(v) - x) < Math.abs(encode(best) - x) ? v : best), at(values, 0));
}

/** A numeric dimension over finitely many values: bounds widened by half the smallest gap, as Optuna does for steps. */
function ordinal(name: string, values: readonly number[], encode: (v: number) => number): Dimension {
  const xs = [...new Set(values.map(encode))].sort((a, b) => a - b);
  const gaps = xs.slice(1).map((x, i) => x - at(xs, i));
  const half = gaps.length > 0 ? Math.min(...gaps) / 2 : 0.5;
  return { kind: 'numeric', name, low: at(xs, 0) - half, high: at(xs, xs.length - 1) + half, encode, decode: nearest(values, encode) };
}

function scaleFor(name: string, space: SearchSpace): (v: number) => number {
  if (name === 'batchSize') return log2;
  if (name === 'learningRate') return Math.log;
  const spec = space.config.params?.[name];
  return spec && 'loguniform' in spec ? Math.log : (v) => v;
}

/** Dimensions read off a finite list of configurations (a grid, a table's configs); constant keys are left out. */
export function dimensionsOfPoints(points: readonly Params[], space: SearchSpace): Dimension[] {
  const names = [...new Set(points.flatMap((p) => Object.keys(p)))];
  const dims: Dimension[] = [];
  for (const name of names) {
    const values = [...new Set(points.map((p): ParamValue | undefined => p[name]))];
    if (values.length < 2) continue;
    if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      const numbers = values as number[];
      const encode = scaleFor(name, space);
      dims.push(ordinal(name, numbers, numbers.every((v) => v > 0) ? encode : (v) => v));
    } else {
      dims.push({ kind: 'categorical', name, choices: values });
    }
  }
  return dims;
}

/** Dimensions of a continuous space, from its config; the learning rate under a rule follows the batch size. */
export function dimensionsOfSpace(space: SearchSpace): Dimension[] {
  const dims: Dimension[] = [];
  if (space.batchSizes.length > 1) dims.push(ordinal('batchSize', space.batchSizes, log2));
  if (Array.isArray(space.learningRate) && space.learningRate.length > 1) dims.push(ordinal('learningRate', space.learningRate, Math.log));
  for (const [name, spec] of Object.entries(space.config.params ?? {})) {
    if ('choice' in spec) dims.push({ kind: 'categorical', name, choices: spec.choice });
    else if ('int' in spec) {
      const values: number[] = [];
      for (let v = spec.int[0]; v <= spec.int[1]; v += spec.step ?? 1) values.push(v);
      dims.push(ordinal(name, values, (v) => v));
    } else if ('uniform' in spec)
      dims.push({ kind: 'numeric', name, low: spec.uniform[0], high: spec.uniform[1], encode: (v) => v, decode: (x) => x });
    else
      dims.push({
        kind: 'numeric',
        name,
        low: Math.log(spec.loguniform[0]),
        high: Math.log(spec.loguniform[1]),
        encode: Math.log,
        decode: Math.exp,
      });
  }
  return dims;
}

/** A point from one value per dimension (internal scale for numeric, an index for categorical), completed by the space's rules. */
export function pointOf(dims: readonly Dimension[], xs: readonly number[], space: SearchSpace): Params {
  const params: Record<string, ParamValue> = {};
  dims.forEach((d, i) => {
    const value = d.kind === 'numeric' ? d.decode(at(xs, i)) : d.choices[at(xs, i)];
    if (value !== undefined) params[d.name] = value;
  });
  const batchSize = (params.batchSize as number | undefined) ?? at(space.batchSizes, 0);
  const learningRate = (params.learningRate as number | undefined) ?? at(space.learningRatesFor(batchSize), 0);
  return { ...params, batchSize, learningRate };
}

/** A parameter's value on the dimension's scale: a number, or its category's index (-1 when unknown). */
export function coordinate(dim: Dimension, params: Params): number {
  const value = params[dim.name];
  if (dim.kind === 'categorical') return dim.choices.indexOf(value);
  return typeof value === 'number' ? dim.encode(value) : NaN;
}
