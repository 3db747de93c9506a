import { configError } from './errors.ts';
import { at } from './indexed.ts';
import type { Params, ParamValue, Warmup } from './params.ts';
import type { Rng } from './rng.ts';

export type BatchSizeSpec = number[] | { powersOfTwo: [number, number] };

export type LearningRateScale = 'linear' | 'sqrt' | 'none';

/** A learning rate tied to the batch size: base × (B / baseBatchSize) for linear, × sqrt(...) for sqrt. */
export interface LearningRateRule {
  base: number;
  baseBatchSize?: number;
  scale?: LearningRateScale;
  warmup?: { examples: number };
}

export type LearningRateSpec = number | number[] | LearningRateRule;

export type ParamSpec =
  { choice: ParamValue[] } | { int: [number, number]; step?: number } | { uniform: [number, number] } | { loguniform: [number, number] };

export interface SpaceConfig {
  batchSize?: BatchSizeSpec;
  learningRate?: LearningRateSpec;
  /** Extra parameters passed to the trainer. */
  params?: Record<string, ParamSpec>;
  /** An explicit list of configurations instead of a product (a tabular file's configs). */
  configs?: Params[];
}

export function expandBatchSizes(spec: BatchSizeSpec): number[] {
  if (Array.isArray(spec)) return [...new Set(spec)].sort((a, b) => a - b);
  const [lo, hi] = spec.powersOfTwo;
  const sizes: number[] = [];
  for (let b = 2 ** Math.ceil(Math.log2(lo)); b <= hi; b *= 2) sizes.push(b);
  return sizes;
}

/** The learning rate a rule gives at a batch size. */
export function scaledLearningRate(rule: LearningRateRule, batchSize: number): number {
  const ratio = batchSize / (rule.baseBatchSize ?? batchSize);
  switch (rule.scale ?? 'none') {
    case 'linear':
      return rule.base * ratio;
    case 'sqrt':
      return rule.base * Math.sqrt(ratio);
    default:
      return rule.base;
  }
}

function isRule(spec: LearningRateSpec): spec is LearningRateRule {
  return typeof spec === 'object' && !Array.isArray(spec);
}

/**
 * The set of configurations a strategy draws from. Batch size × learning rate × extras form a
 * product (the learning rate follows the batch size when given as a rule); `configs` lists points.
 */
export class SearchSpace {
  readonly config: SpaceConfig;
  readonly batchSizes: number[];
  readonly learningRate: LearningRateSpec;

  constructor(config: SpaceConfig) {
    this.config = config;
    this.learningRate = config.learningRate ?? 0.01;
    if (config.configs) {
      if (config.configs.length === 0) throw configError('space.configs', 'must list at least one configuration', []);
      this.batchSizes = [...new Set(config.configs.map((c) => c.batchSize))].sort((a, b) => a - b);
    } else {
      this.batchSizes = expandBatchSizes(config.batchSize ?? [32]);
      if (this.batchSizes.length === 0) {
        throw configError('space.batchSize', 'gives no batch size; powersOfTwo needs a power of two in [lo, hi]', config.batchSize);
      }
    }
    for (const [name, spec] of Object.entries(config.params ?? {})) checkParamSpec(name, spec);
  }

  /** The learning rates tried at a batch size. */
  learningRatesFor(batchSize: number): number[] {
    const spec = this.learningRate;
    if (typeof spec === 'number') return [spec];
    if (Array.isArray(spec)) return spec;
    return [scaledLearningRate(spec, batchSize)];
  }

  /** Warmup for a trial, when the learning-rate rule declares one. */
  warmupFor(params: Params): Warmup | undefined {
    const spec = this.learningRate;
    if (!isRule(spec) || !spec.warmup || spec.warmup.examples <= 0) return undefined;
    return { examples: spec.warmup.examples, from: Math.min(spec.base, params.learningRate) };
  }

  /** True when every parameter takes finitely many values, so a grid can enumerate them. */
  get finite(): boolean {
    return Object.values(this.config.params ?? {}).every((s) => 'choice' in s || 'int' in s);
  }

  /**
   * The grid as a mixed-radix number: the first digit picks a (batch size, learning rate) pair
   * (or a listed config), each later digit a value of one extra parameter, the last varying fastest.
   * Nothing is materialised, so a space of 10⁹ points costs as much as one of ten.
   */
  radices(): number[] {
    if (this.config.configs) return [this.config.configs.length];
    const base = this.batchSizes.reduce((n, b) => n + this.learningRatesFor(b).length, 0);
    return [base, ...Object.entries(this.config.params ?? {}).map(([name, spec]) => valueCount(name, spec))];
  }

  /** How many configurations a grid holds (Infinity for a continuous space; beyond 2⁵³ only approximate). */
  get size(): number {
    return this.finite ? this.radices().reduce((a, b) => a * b, 1) : Infinity;
  }

  /** The configuration at mixed-radix digits (one per entry of `radices()`). */
  pointAt(digits: readonly number[]): Params {
    if (this.config.configs) return { ...at(this.config.configs, at(digits, 0)) };
    let rest = at(digits, 0);
    let params: Params | undefined;
    for (const batchSize of this.batchSizes) {
      const rates = this.learningRatesFor(batchSize);
      if (rest < rates.length) {
        params = { batchSize, learningRate: at(rates, rest) };
        break;
      }
      rest -= rates.length;
    }
    if (!params) throw new RangeError(`grid digit ${at(digits, 0)} is out of range`);
    Object.entries(this.config.params ?? {}).forEach(([name, spec], i) => {
      params[name] = valueAt(spec, at(digits, i + 1));
    });
    return params;
  }

  /** Every configuration, lazily, in the order of `grid()`. */
  *points(): Generator<Params> {
    const radices = this.radices();
    if (radices.some((r) => r === 0)) return;
    const digits = radices.map(() => 0);
    for (;;) {
      yield this.pointAt(digits);
      let d = digits.length - 1;
      for (; d >= 0; d--) {
        const next = at(digits, d) + 1;
        if (next !== radices[d]) {
          digits[d] = next;
          break;
        }
        digits[d] = 0;
      }
      if (d < 0) return;
    }
  }

  /** The first configuration of the grid with this batch size (its first learning rate, every extra at its first value). */
  firstWith(batchSize: number): Params | undefined {
    if (this.config.configs) {
      const found = this.config.configs.find((c) => c.batchSize === batchSize);
      return found && { ...found };
    }
    if (!this.batchSizes.includes(batchSize)) return undefined;
    const digits = this.radices().map(() => 0);
    for (const b of this.batchSizes) {
      if (b === batchSize) break;
      digits[0] = at(digits, 0) + this.learningRatesFor(b).length;
    }
    return this.pointAt(digits);
  }

  /** Every configuration, in a stable order (batch size, then learning rate, then extras). Materialises: small spaces only. */
  grid(): Params[] {
    if (this.config.configs) return this.config.configs.map((c) => ({ ...c }));
    const extras = Object.entries(this.config.params ?? {});
    let points: Params[] = [];
    for (const batchSize of this.batchSizes) {
      for (const learningRate of this.learningRatesFor(batchSize)) points.push({ batchSize, learningRate });
    }
    for (const [name, spec] of extras) {
      const values = enumerate(name, spec);
      points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
    }
    return points;
  }

  /** One random configuration. */
  sample(rng: Rng): Params {
    if (this.config.configs) return { ...at(this.config.configs, rng.int(this.config.configs.length)) };
    const batchSize = at(this.batchSizes, rng.int(this.batchSizes.length));
    const rates = this.learningRatesFor(batchSize);
    const params: Params = { batchSize, learningRate: at(rates, rng.int(rates.length)) };
    for (const [name, spec] of Object.entries(this.config.params ?? {})) params[name] = sampleParam(spec, rng);
    return params;
  }
}

function checkParamSpec(name: string, spec: ParamSpec): void {
  const path = `space.params.${name}`;
  if ('choice' in spec) {
    if (spec.choice.length === 0) throw configError(`${path}.choice`, 'must list at least one value', spec.choice);
    return;
  }
  const [lo, hi] = 'int' in spec ? spec.int : 'uniform' in spec ? spec.uniform : spec.loguniform;
  const key = Object.keys(spec)[0];
  if (!(lo <= hi)) throw configError(`${path}.${key}`, 'needs [low, high] with low <= high', [lo, hi]);
  if ('loguniform' in spec && lo <= 0) throw configError(`${path}.loguniform`, 'needs a low bound > 0', [lo, hi]);
}

function enumerate(name: string, spec: ParamSpec): ParamValue[] {
  if ('choice' in spec) return spec.choice;
  if ('int' in spec) {
    const values: number[] = [];
    for (let v = spec.int[0]; v <= spec.int[1]; v += spec.step ?? 1) values.push(v);
    return values;
  }
  throw configError(`space.params.${name}`, 'a grid needs a finite domain (choice or int), not a continuous one', spec);
}

function valueCount(name: string, spec: ParamSpec): number {
  if ('choice' in spec) return spec.choice.length;
  if ('int' in spec) return Math.floor((spec.int[1] - spec.int[0]) / (spec.step ?? 1)) + 1;
  throw configError(`space.params.${name}`, 'a grid needs a finite domain (choice or int), not a continuous one', spec);
}

function valueAt(spec: ParamSpec, digit: number): ParamValue {
  if ('choice' in spec) return at(spec.choice, digit);
  if ('int' in spec) return spec.int[0] + digit * (spec.step ?? 1);
  throw new RangeError('a continuous parameter has no grid values');
}

function sampleParam(spec: ParamSpec, rng: Rng): ParamValue {
  if ('choice' in spec) return at(spec.choice, rng.int(spec.choice.length));
  if ('int' in spec) {
    const step = spec.step ?? 1;
    return spec.int[0] + step * rng.int(Math.floor((spec.int[1] - spec.int[0]) / step) + 1);
  }
  if ('uniform' in spec) return spec.uniform[0] + rng.next() * (spec.uniform[1] - spec.uniform[0]);
  const [lo, hi] = spec.loguniform;
  return Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
}
