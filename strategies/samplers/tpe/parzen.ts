/**
 * Univariate Parzen estimators as in Optuna 3.1's `samplers/_tpe/parzen_estimator.py` (Bergstra et
 * al. 2011): one truncated Gaussian per observation plus a prior over the whole range, bandwidths from
 * the distance to the neighbours ("magic clip"), and for categories a smoothed histogram.
 */
import type { Rng } from '../../../core/index.ts';
import { at } from '../../../core/indexed.ts';

interface ParzenOptions {
  priorWeight: number;
}

/** Optuna's default weights: flat for the last 25 observations, a ramp from 1/n below that (older count less). */
function observationWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  return Array.from({ length: n }, (_, i) => (i < ramp ? 1 / n + ((1 - 1 / n) * i) / Math.max(1, ramp - 1) : 1));
}

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), enough for the mass of a truncated kernel. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

function normalCdf(x: number, mu: number, sigma: number): number {
  return 0.5 * (1 + erf((x - mu) / (sigma * SQRT2)));
}

function logSumExp(values: number[]): number {
  const top = Math.max(...values);
  if (top === -Infinity) return -Infinity;
  return top + Math.log(values.reduce((s, v) => s + Math.exp(v - top), 0));
}

/** A standard normal draw from the stream (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Picks an index with probability proportional to its weight. */
export function pickWeighted(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= at(weights, i);
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** A mixture of Gaussians truncated to [low, high], on the parameter's internal scale (log₂ batch size, log rate...). */
export class NumericParzen {
  readonly mus: number[];
  readonly sigmas: number[];
  readonly weights: number[];

  constructor(
    observations: readonly number[],
    readonly low: number,
    readonly high: number,
    options: ParzenOptions,
  ) {
    const n = observations.length;
    const span = high - low;
    const priorMu = 0.5 * (low + high);
    const obsWeights = observationWeights(n);
    // The prior joins the observations in sorted order: its neighbours set the others' bandwidths.
    const points = [
      ...observations.map((mu, i) => ({ mu, w: at(obsWeights, i), prior: false })),
      { mu: priorMu, w: options.priorWeight, prior: true },
    ].sort((a, b) => a.mu - b.mu);
    const minSigma = span / Math.min(100, 1 + points.length);
    this.mus = points.map((p) => p.mu);
    this.sigmas = points.map((p, i) => {
      if (p.prior) return span;
      const left = i > 0 ? p.mu - at(points, i - 1).mu : -Infinity;
      const right = i < points.length - 1 ? at(points, i + 1).mu - p.mu : -Infinity;
      const sigma = Math.max(left, right, 0);
      return Math.min(Math.max(sigma, minSigma), span);
    });
    const total = points.reduce((s, p) => s + p.w, 0);
    this.weights = points.map((p) => p.w / total);
  }

  logPdf(x: number): number {
    const terms = this.mus.map((mu, i) => {
      const sigma = at(this.sigmas, i);
      const mass = normalCdf(this.high, mu, sigma) - normalCdf(this.low, mu, sigma);
      const z = (x - mu) / sigma;
      return Math.log(at(this.weights, i)) - 0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI - Math.log(Math.max(mass, 1e-12));
    });
    return logSumExp(terms);
  }

  /** A draw from the mixture, inside [low, high]. */
  sample(rng: Rng): number {
    const i = pickWeighted(this.weights, rng);
    for (let tries = 0; tries < 100; tries++) {
      const x = at(this.mus, i) + at(this.sigmas, i) * gaussian(rng);
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, at(this.mus, i)));
  }
}

/** A smoothed histogram over k categories: each observation's weight on its category, plus the prior spread evenly. */
export class CategoricalParzen {
  readonly probabilities: number[];

  constructor(observations: readonly number[], k: number, options: ParzenOptions) {
    const weights = observationWeights(observations.length);
    const mass = new Array<number>(k).fill(options.priorWeight / k);
    observations.forEach((c, i) => (mass[c] = at(mass, c) + at(weights, i)));
    const total = mass.reduce((a, b) => a + b, 0);
    this.probabilities = mass.map((m) => m / total);
  }

  logPdf(c: number): number {
    return Math.log(at(this.probabilities, c));
  }

  sample(rng: Rng): number {
    return pickWeighted(this.probabilities, rng);
  }
}
