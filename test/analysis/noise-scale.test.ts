import { createRng, type Rng } from '../../core/rng.ts';
import { gradientNorms, NoiseScaleEstimator, rawNoiseEstimate } from '../../analysis/noise-scale.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

function normal(rng: Rng): number {
  // Box-Muller; 1 - u keeps the log finite.
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Linear regression y = w*·x + ε, x ~ N(0, I_d), ε ~ N(0, σ²), loss (w·x − y)². At w = w* + δ the
 * per-example gradient 2(δ·x − ε)x has mean G = 2δ and covariance trace 4((d+1)|δ|² + σ²d), so
 * B_simple = d + 1 + σ²d/|δ|².
 */
function regressionProblem(d: number, sigma: number, deltaNorm: number, seed: number) {
  const rng = createRng(seed, 'noise-scale-test');
  const wStar = Array.from({ length: d }, () => normal(rng));
  const direction = Array.from({ length: d }, () => normal(rng));
  const norm = Math.hypot(...direction);
  const w = wStar.map((v, j) => v + (deltaNorm * at(direction, j)) / norm);
  /** The mean gradient of the squared loss over `b` fresh examples. */
  const microBatchGradient = (b: number): Float64Array => {
    const g = new Float64Array(d);
    for (let i = 0; i < b; i++) {
      const x = Array.from({ length: d }, () => normal(rng));
      const y = wStar.reduce((s, v, j) => s + v * at(x, j), 0) + sigma * normal(rng);
      const residual = w.reduce((s, v, j) => s + v * at(x, j), 0) - y;
      for (let j = 0; j < d; j++) g[j] = at(g, j) + (2 * residual * at(x, j)) / b;
    }
    return g;
  };
  const expected = {
    bSimple: d + 1 + (sigma * sigma * d) / (deltaNorm * deltaNorm),
    gradSqNorm: 4 * deltaNorm ** 2,
    traceSigma: 4 * ((d + 1) * deltaNorm ** 2 + sigma ** 2 * d),
  };
  return { microBatchGradient, expected };
}

function estimate(d: number, sigma: number, deltaNorm: number, b: number, k: number, measurements: number) {
  const problem = regressionProblem(d, sigma, deltaNorm, d * 1000 + k);
  const estimator = new NoiseScaleEstimator({ beta: 0.995 });
  for (let m = 0; m < measurements; m++) {
    const grads = Array.from({ length: k }, () => problem.microBatchGradient(b));
    estimator.add({ microBatch: b, ...gradientNorms(grads) });
  }
  return { got: defined(estimator.estimate, 'estimator.estimate'), expected: problem.expected };
}

describe('gradient noise scale estimator', () => {
  test('one measurement gives the unbiased two-batch-size estimates', () => {
    // k = 2 micro-batches of b = 4: |G|² = (2·|ḡ|² − mean|g_i|²), tr Σ = 8·(mean|g_i|² − |ḡ|²).
    const raw = rawNoiseEstimate({ microBatch: 4, microSqNorms: [3, 5], meanSqNorm: 2.5 });
    expect(raw.gradSqNorm).toBeCloseTo(1);
    expect(raw.traceSigma).toBeCloseTo(12);
    expect(() => rawNoiseEstimate({ microBatch: 4, microSqNorms: [3], meanSqNorm: 3 })).toThrow(/at least 2/);
  });

  test('gradientNorms gives the squared norms of each gradient and of their mean', () => {
    const { microSqNorms, meanSqNorm } = gradientNorms([
      [1, 2],
      [3, 0],
    ]);
    expect(microSqNorms).toEqual([5, 9]);
    expect(meanSqNorm).toBeCloseTo(4 + 1);
  });

  test('EMAs are bias-corrected and B_simple is a ratio of averages', () => {
    const estimator = new NoiseScaleEstimator({ beta: 0.9 });
    expect(estimator.estimate).toBeUndefined();
    estimator.add({ microBatch: 4, microSqNorms: [3, 5], meanSqNorm: 2.5 }); // |G|² 1, trΣ 12
    expect(defined(estimator.estimate, 'estimator.estimate').gradSqNorm).toBeCloseTo(1);
    expect(defined(estimator.estimate, 'estimator.estimate').bSimple).toBeCloseTo(12);
    estimator.add({ microBatch: 4, microSqNorms: [5, 7], meanSqNorm: 5.5 }); // |G|² 5, trΣ 4
    const e = defined(estimator.estimate, 'estimator.estimate');
    // weights 0.9·0.1 and 0.1, normalised by 0.19
    expect(e.gradSqNorm).toBeCloseTo((0.09 * 1 + 0.1 * 5) / 0.19);
    expect(e.traceSigma).toBeCloseTo((0.09 * 12 + 0.1 * 4) / 0.19);
    expect(e.bSimple).toBeCloseTo(e.traceSigma / e.gradSqNorm);
    expect(e.measurements).toBe(2);
  });

  test('B_simple is null while the averaged |G|² is not positive', () => {
    const estimator = new NoiseScaleEstimator();
    estimator.add({ microBatch: 2, microSqNorms: [4, 4], meanSqNorm: 1 }); // |G|² = (2 − 4)/1 < 0
    expect(defined(estimator.estimate, 'estimator.estimate').bSimple).toBeNull();
  });

  test.each([
    // d, σ, |δ|, b, k: B_simple = d + 1 + σ²d/|δ|²
    [10, 1, 1, 8, 4], // 21
    [20, 0.5, 0.25, 16, 2], // 101
    [12, 0, 1, 4, 8], // 13, no label noise
  ])('linear regression d=%i σ=%f |δ|=%f (b=%i, k=%i): within 10%% of the analytic value', (d, sigma, delta, b, k) => {
    const { got, expected } = estimate(d, sigma, delta, b, k, 1500);
    expect(Math.abs(defined(got.bSimple, 'got.bSimple') - expected.bSimple) / expected.bSimple).toBeLessThan(0.1);
    expect(Math.abs(got.gradSqNorm - expected.gradSqNorm) / expected.gradSqNorm).toBeLessThan(0.1);
    expect(Math.abs(got.traceSigma - expected.traceSigma) / expected.traceSigma).toBeLessThan(0.1);
  });
});
