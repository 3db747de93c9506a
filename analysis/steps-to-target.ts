/**
 * Steps to a target per batch size, and the fit S(B) = S_min·(1 + B_noise/B) of McCandlish et al.
 * (2018): S_min the fewest steps (very large batch), E_min = S_min·B_noise the fewest examples (very
 * small batch), and between them the trade-off (S/S_min − 1)(E/E_min − 1) = 1.
 */
import type { JournalTrial, Objective, Report } from '../core/index.ts';
import { finite, mean } from './stats.ts';

function reaches(value: number, target: number, mode: Objective['mode']): boolean {
  return mode === 'max' ? value >= target : value <= target;
}

export interface StepsFit {
  /** S_min: the fewest steps to the target, at a very large batch. */
  sMin: number;
  /** B_noise: the batch size where steps are twice S_min (the critical batch); null when S_min fits to 0. */
  bNoise: number | null;
  /** E_min = S_min·B_noise: the fewest examples to the target, at a very small batch. */
  eMin: number;
  /** Batch sizes the fit used. */
  points: number;
  /** Mean |predicted − measured| / measured steps over those batch sizes. */
  meanRelativeError: number;
  /** Why a term was held at 0, when the unconstrained fit gave a negative one. */
  note?: string;
}

/**
 * Steps and seconds at which a trial first reached the target, interpolated linearly between the
 * report before the crossing and the crossing report (no interpolation before the first report).
 */
export function crossing(
  trial: JournalTrial,
  metric: string,
  mode: Objective['mode'],
  target: number,
): { steps: number; seconds: number } | null {
  let previous: Report | undefined;
  for (const report of trial.reports) {
    const v = report.metrics[metric];
    if (finite(v) && reaches(v, target, mode)) {
      const p = previous?.metrics[metric];
      if (!previous || !finite(p) || p === v) return { steps: report.progress.steps, seconds: report.progress.seconds };
      const f = (target - p) / (v - p);
      const at = (a: number, b: number) => a + f * (b - a);
      return { steps: at(previous.progress.steps, report.progress.steps), seconds: at(previous.progress.seconds, report.progress.seconds) };
    }
    previous = report;
  }
  return null;
}

/**
 * Fits S(B) = a + c/B (a = S_min, c = S_min·B_noise) to measured steps, minimising the squared
 * relative error. A negative term is held at 0 and the other refitted (a = 0: steps fall as 1/B
 * throughout, so no critical batch shows in the range; c = 0: steps do not fall with B at all).
 */
export function fitSteps(points: ReadonlyArray<{ batchSize: number; steps: number }>): StepsFit | null {
  const usable = points.filter((p) => p.steps > 0 && p.batchSize > 0);
  if (new Set(usable.map((p) => p.batchSize)).size < 2) return null;
  // Weighted least squares, weights 1/S², on rows [1, 1/B] → S.
  let s11 = 0,
    s12 = 0,
    s22 = 0,
    t1 = 0,
    t2 = 0;
  for (const { batchSize, steps } of usable) {
    const w = 1 / (steps * steps);
    const x = 1 / batchSize;
    s11 += w;
    s12 += w * x;
    s22 += w * x * x;
    t1 += w * steps;
    t2 += w * x * steps;
  }
  const det = s11 * s22 - s12 * s12;
  let a = (t1 * s22 - t2 * s12) / det;
  let c = (s11 * t2 - s12 * t1) / det;
  let note: string | undefined;
  if (a < 0) {
    a = 0;
    c = t2 / s22;
    note = 'steps fell as 1/B across the measured batch sizes (S_min fitted below 0, held at 0): no critical batch size in this range';
  } else if (c < 0) {
    c = 0;
    a = t1 / s11;
    note = 'steps did not fall with larger batches (B_noise fitted below 0, held at 0): the smallest batch is as fast in steps';
  }
  const predict = (b: number) => a + c / b;
  const meanRelativeError = mean(usable.map((p) => Math.abs(predict(p.batchSize) - p.steps) / p.steps));
  return { sMin: a, bNoise: a > 0 ? c / a : null, eMin: c, points: usable.length, meanRelativeError, ...(note ? { note } : {}) };
}

export function predictSteps(fit: StepsFit, batchSize: number): number {
  return fit.sMin + fit.eMin / batchSize;
}
