import { at } from '../core/indexed.ts';

/**
 * The gradient noise scale B_simple = tr(Σ) / |G|² (McCandlish et al. 2018, "An Empirical Model of
 * Large-Batch Training", appendix A), estimated from gradients measured at two batch sizes: k
 * micro-batches of b examples each, and their mean (the gradient of the whole batch of k·b).
 *
 * For one measurement, with |g_i|² the squared norms of the micro-batch gradients and |ḡ|² that of
 * their mean, the unbiased estimates are
 *
 *   |G|²  = (k·|ḡ|² − mean|g_i|²) / (k − 1)
 *   tr(Σ) = b·k·(mean|g_i|² − |ḡ|²) / (k − 1)
 *
 * Each is noisy (|G|² can come out negative), so both are smoothed with bias-corrected exponential
 * moving averages and B_simple is the ratio of the averages, never an average of ratios.
 * Pure: no tfjs, no I/O.
 */

/** One gradient measurement: k micro-batches of `microBatch` examples each, from the same weights. */
interface NoiseMeasurement {
  /** Examples per micro-batch (b). */
  microBatch: number;
  /** |g_i|² for each of the k ≥ 2 micro-batches. */
  microSqNorms: readonly number[];
  /** |ḡ|², the squared norm of the mean of the k micro-batch gradients. */
  meanSqNorm: number;
}

/** The unbiased estimates from one measurement alone. */
interface RawNoiseEstimate {
  gradSqNorm: number;
  traceSigma: number;
}

/** The smoothed estimate after some measurements. */
interface NoiseScaleEstimate {
  /** EMA[tr Σ] / EMA[|G|²]; null while EMA[|G|²] is not positive (the signal is lost in the noise). */
  bSimple: number | null;
  /** Bias-corrected EMA of |G|². */
  gradSqNorm: number;
  /** Bias-corrected EMA of tr(Σ). */
  traceSigma: number;
  /** Measurements taken so far. */
  measurements: number;
}

interface NoiseScaleOptions {
  /** EMA decay per measurement, in [0, 1); 0 keeps only the last measurement. Default 0.9. */
  beta?: number;
}

/** |G|² and tr(Σ) from one measurement (McCandlish et al. 2018, eqs. A.2–A.3 with B_big = k·b). */
export function rawNoiseEstimate(measurement: NoiseMeasurement): RawNoiseEstimate {
  const { microBatch: b, microSqNorms, meanSqNorm } = measurement;
  const k = microSqNorms.length;
  if (k < 2) throw new RangeError(`noise scale: needs at least 2 micro-batch gradients (got ${k})`);
  if (!(b >= 1)) throw new RangeError(`noise scale: micro-batch size must be >= 1 (got ${b})`);
  const meanMicro = microSqNorms.reduce((s, v) => s + v, 0) / k;
  return {
    gradSqNorm: (k * meanSqNorm - meanMicro) / (k - 1),
    traceSigma: (b * k * (meanMicro - meanSqNorm)) / (k - 1),
  };
}

/** Squared norms of k flattened gradients and of their mean, as a measurement needs them. */
export function gradientNorms(gradients: readonly ArrayLike<number>[]): { microSqNorms: number[]; meanSqNorm: number } {
  const k = gradients.length;
  if (k === 0) throw new RangeError('noise scale: no gradients');
  const n = at(gradients, 0).length;
  const mean = new Float64Array(n);
  const microSqNorms = gradients.map((g) => {
    if (g.length !== n) throw new RangeError(`noise scale: gradients differ in length (${g.length} vs ${n})`);
    let sq = 0;
    for (let j = 0; j < n; j++) {
      const v = at(g, j);
      sq += v * v;
      mean[j] = at(mean, j) + v / k;
    }
    return sq;
  });
  let meanSqNorm = 0;
  for (const m of mean) meanSqNorm += m * m;
  return { microSqNorms, meanSqNorm };
}

/** Bias-corrected exponential moving average (as Adam corrects its moments). */
class Ema {
  private value = 0;
  private weight = 0;
  constructor(private readonly beta: number) {}
  add(x: number): void {
    this.value = this.beta * this.value + (1 - this.beta) * x;
    this.weight = this.beta * this.weight + (1 - this.beta);
  }
  get mean(): number {
    return this.weight > 0 ? this.value / this.weight : NaN;
  }
}

/** Smooths measurements into B_simple. One per trial; feed it in training order. */
export class NoiseScaleEstimator {
  private readonly grad: Ema;
  private readonly trace: Ema;
  private count = 0;

  constructor(options: NoiseScaleOptions = {}) {
    const beta = options.beta ?? 0.9;
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`noise scale: beta must be in [0, 1) (got ${beta})`);
    this.grad = new Ema(beta);
    this.trace = new Ema(beta);
  }

  /** Adds one measurement; returns its raw estimates. Non-finite measurements are ignored. */
  add(measurement: NoiseMeasurement): RawNoiseEstimate {
    const raw = rawNoiseEstimate(measurement);
    if (Number.isFinite(raw.gradSqNorm) && Number.isFinite(raw.traceSigma)) {
      this.grad.add(raw.gradSqNorm);
      this.trace.add(raw.traceSigma);
      this.count += 1;
    }
    return raw;
  }

  /** The smoothed estimate, or undefined before any finite measurement. */
  get estimate(): NoiseScaleEstimate | undefined {
    if (this.count === 0) return undefined;
    const gradSqNorm = this.grad.mean;
    const traceSigma = this.trace.mean;
    return { bSimple: gradSqNorm > 0 ? traceSigma / gradSqNorm : null, gradSqNorm, traceSigma, measurements: this.count };
  }
}

/** The estimate as report metrics (what trainers add to each report while they measure it). */
export function noiseMetrics(estimate: NoiseScaleEstimate | undefined): Record<string, number | null> {
  if (!estimate) return {};
  return {
    noise_scale: estimate.bSimple,
    grad_sq_norm: estimate.gradSqNorm,
    trace_sigma: estimate.traceSigma,
    noise_measurements: estimate.measurements,
  };
}
