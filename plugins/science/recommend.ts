/**
 * The recommendation behind `batchtune report`: per batch size, what the journal measured, and a
 * batch size + learning rate for two goals, each with the numbers that justify it.
 *
 * 1. Best metric within the examples budget: every batch size is judged at the same number of
 *    examples E (the seed question's a·b = c·d), by the best value its trials reached by E.
 * 2. Least time to a target metric: the measured steps to the target per batch size are fitted to
 *    S(B) = S_min·(1 + B_noise/B) (McCandlish et al. 2018), least squares in 1/B weighted by
 *    relative error; times the measured seconds per step at each batch size this predicts the
 *    time to the target (the goodput idea of Pollux/AdaptDL: throughput × statistical efficiency).
 *
 * Pure: it reads a `viewJournal` result and computes; nothing else.
 */
import { modeFor, paramsKey, score, type JournalTrial, type JournalView, type Objective, type Params, type Report } from '../../core/index.ts';
import { scheduleOf } from '../../strategies/batch-increase.ts';
import { formatNumber as fmt } from '../reporters/format.ts';
import { generalizationGap } from '../reporters/trials-table.ts';

export interface RecommendOptions {
  /** The metric to judge by; default: the journal's objective. */
  metric?: string;
  /** The target for goal 2; default: within 1% of the best value at equal examples. */
  target?: number;
  /** The equal-examples point E; default: the furthest every batch size reached. */
  examples?: number;
}

export interface Spread {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  std: number;
  min: number;
  max: number;
}

export interface BatchSizeRow {
  batchSize: number;
  /** Learning rate (and params) of the best configuration at this batch size, at E. */
  learningRate: number | null;
  params: Params | null;
  /** Trials at this batch size, and distinct configurations (learning rates, extras) among them. */
  trials: number;
  configs: number;
  /** Every trial at this batch size failed as infeasible (out of memory). */
  infeasible: boolean;
  /** The best configuration's value at E: the best its trials reached by E, averaged over them. */
  value: number | null;
  /** That value across the configuration's trials (seeds), when it has more than one. */
  spread: Spread | null;
  /** Steps taken to train E examples (mean over the configuration's trials). */
  steps: number | null;
  /** Training examples per second and seconds per step, over every trial at this batch size. */
  examplesPerSecond: number | null;
  secondsPerStep: number | null;
  /** Training seconds until the best value by E was first reported. */
  secondsToBest: number | null;
  /** Train minus validation accuracy (or validation minus train loss) where the best value was. */
  gap: number | null;
  /** B_simple from the trials' last `noise_scale` metric, when measured. */
  noiseScale: number | null;
  /** Steps and seconds to the target (interpolated between reports), for the configuration fastest to it. */
  stepsToTarget: number | null;
  secondsToTarget: number | null;
  targetLearningRate: number | null;
  /** Trials of that configuration that reached the target, of all its trials. */
  reachedTarget: string;
  predictedStepsToTarget: number | null;
  predictedSecondsToTarget: number | null;
  /**
   * Steps saved against the next smaller batch size that reached the target, over what perfect
   * scaling would save: (S(B′)/S(B)) / (B/B′). 1: steps fell in proportion (doubling B halved them).
   */
  scalingEfficiency: number | null;
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

export interface Recommendation {
  batchSize: number;
  learningRate: number;
  params: Params;
  why: string;
}

export interface BestMetricRecommendation extends Recommendation {
  metric: string;
  value: number;
  spread: Spread | null;
  examples: number;
  steps: number | null;
  seconds: number | null;
  /** Other batch sizes whose value is within the combined spread of this one (not distinguishable). */
  withinNoise: number[];
}

export interface FastestRecommendation extends Recommendation {
  target: number;
  /** "fit": predicted seconds from the steps fit; "measured": too few batch sizes reached the target to fit. */
  basis: 'fit' | 'measured';
  predictedSeconds: number | null;
  predictedSteps: number | null;
  measuredSeconds: number | null;
  measuredSteps: number | null;
  secondsPerStep: number;
  /** The batch size with the least measured seconds to the target, to set against the prediction. */
  measuredFastest: { batchSize: number; learningRate: number; seconds: number } | null;
}

export interface BatchSizeReport {
  metric: string;
  mode: Objective['mode'];
  /** The equal-examples point every batch size is judged at. */
  examples: number;
  target: number | null;
  /** How the target was chosen. */
  targetSource: 'given' | 'within 1% of the best' | 'none';
  batchSizes: BatchSizeRow[];
  fit: StepsFit | null;
  /**
   * The first batch size where growing the batch stopped nearly halving the steps to the target
   * (scaling efficiency below 0.75, i.e. a doubling saved less than a factor 1.5); under the fitted
   * model that happens near B_noise. Null when every measured step scaled, or too few reached it.
   */
  halvingStopsAt: number | null;
  /** Mean of the measured noise scales, when any batch size measured one. */
  noiseScale: number | null;
  recommendations: { bestMetric: BestMetricRecommendation | null; fastestToTarget: FastestRecommendation | null };
  /** Trials left out: batch-increase schedules (reported apart), trials without reports. */
  excluded: Array<{ trialId: number; why: string }>;
}

/** Scaling efficiency below which a doubling "stopped halving" the steps (it saved less than 1.5×). */
const HALVING = 0.75;

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function spreadOf(values: number[]): Spread | null {
  if (values.length < 2) return null;
  const m = mean(values);
  const std = Math.sqrt(values.reduce((s, x) => s + (x - m) ** 2, 0) / (values.length - 1));
  return { n: values.length, mean: m, std, min: Math.min(...values), max: Math.max(...values) };
}

/** The report where the best value by `examples` was first reached (null when none is finite). */
function bestBy(trial: JournalTrial, metric: string, mode: Objective['mode'], examples: number): Report | null {
  let best: Report | null = null;
  for (const report of trial.reports) {
    if (report.progress.examples > examples) break;
    const v = report.metrics[metric];
    if (!finite(v)) continue;
    if (!best || score(v, mode) > score(best.metrics[metric], mode)) best = report;
  }
  return best;
}

/** The last report at or below `examples`. */
function lastBy(trial: JournalTrial, examples: number): Report | undefined {
  let last: Report | undefined;
  for (const report of trial.reports) {
    if (report.progress.examples > examples) break;
    last = report;
  }
  return last;
}

function reaches(value: number, target: number, mode: Objective['mode']): boolean {
  return mode === 'max' ? value >= target : value <= target;
}

/**
 * Steps and seconds at which a trial first reached the target, interpolated linearly between the
 * report before the crossing and the crossing report (no interpolation before the first report).
 */
export function crossing(trial: JournalTrial, metric: string, mode: Objective['mode'], target: number): { steps: number; seconds: number } | null {
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
  let s11 = 0, s12 = 0, s22 = 0, t1 = 0, t2 = 0;
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

/** The trials `report` judges: fixed-batch trials with reports (batch-increase schedules are apart). */
function partition(view: JournalView): { trials: JournalTrial[]; excluded: BatchSizeReport['excluded'] } {
  const trials: JournalTrial[] = [];
  const excluded: BatchSizeReport['excluded'] = [];
  for (const trial of view.trials) {
    if (scheduleOf(trial) || trial.reports.some((r) => r.batchSize !== trial.params.batchSize)) {
      excluded.push({ trialId: trial.trialId, why: 'changes its batch size during training (a schedule)' });
    } else if (trial.reports.length === 0 && trial.state !== 'infeasible') {
      excluded.push({ trialId: trial.trialId, why: `no reports (${trial.state})` });
    } else {
      trials.push(trial);
    }
  }
  return { trials, excluded };
}

/** Groups by a key, keeping first-seen order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string | number): Map<string | number, T[]> {
  const groups = new Map<string | number, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

/** Per batch size, the measurements; then the two recommendations. */
export function recommend(view: JournalView, options: RecommendOptions = {}): BatchSizeReport {
  const objective: Objective = view.header?.objective ?? { metric: options.metric ?? 'val_acc', mode: 'max' };
  const metric = options.metric ?? objective.metric;
  const mode = modeFor(metric, objective);
  const { trials, excluded } = partition(view);
  const bySize = [...groupBy(trials, (t) => t.params.batchSize).entries()].sort((a, b) => Number(a[0]) - Number(b[0]));

  const furthest = (ts: JournalTrial[]) => Math.max(0, ...ts.map((t) => t.reports[t.reports.length - 1]?.progress.examples ?? 0));
  const trained = bySize.filter(([, ts]) => furthest(ts) > 0);
  const examples = options.examples ?? (trained.length ? Math.min(...trained.map(([, ts]) => furthest(ts))) : 0);

  // Goal 1: per batch size, each configuration's value at E (over its trials that trained to E).
  const rows: BatchSizeRow[] = bySize.map(([size, ts]) => {
    const batchSize = Number(size);
    const configs = [...groupBy(ts, (t) => paramsKey(t.params)).values()];
    const seconds = ts.reduce((s, t) => s + (t.reports.at(-1)?.progress.seconds ?? 0), 0);
    const steps = ts.reduce((s, t) => s + (t.reports.at(-1)?.progress.steps ?? 0), 0);
    const seen = ts.reduce((s, t) => s + (t.reports.at(-1)?.progress.examples ?? 0), 0);
    const noise = ts.map((t) => [...t.reports].reverse().find((r) => finite(r.metrics.noise_scale))?.metrics.noise_scale).filter(finite);
    let best: { trials: JournalTrial[]; at: Report[]; values: number[] } | undefined;
    for (const group of configs) {
      const atE = group.filter((t) => (t.reports.at(-1)?.progress.examples ?? 0) > examples - batchSize);
      const at = atE.map((t) => bestBy(t, metric, mode, examples)).filter((r): r is Report => r !== null);
      if (at.length === 0 || at.length < atE.length) continue; // a trial diverged: the config has no finite value
      const values = at.map((r) => r.metrics[metric] as number);
      if (!best || score(mean(values), mode) > score(mean(best.values), mode)) best = { trials: atE, at, values };
    }
    const gaps = best?.at.map((r) => generalizationGap(r.metrics)).filter(finite) ?? [];
    return {
      batchSize,
      learningRate: best ? best.trials[0].params.learningRate : null,
      params: best ? best.trials[0].params : null,
      trials: ts.length,
      configs: configs.length,
      infeasible: ts.every((t) => t.state === 'infeasible'),
      value: best ? mean(best.values) : null,
      spread: best ? spreadOf(best.values) : null,
      steps: best ? mean(best.trials.map((t) => lastBy(t, examples)?.progress.steps ?? 0)) : null,
      examplesPerSecond: seconds > 0 ? seen / seconds : null,
      secondsPerStep: steps > 0 && seconds > 0 ? seconds / steps : null,
      secondsToBest: best ? mean(best.at.map((r) => r.progress.seconds)) : null,
      gap: gaps.length ? mean(gaps) : null,
      noiseScale: noise.length ? mean(noise) : null,
      stepsToTarget: null,
      secondsToTarget: null,
      targetLearningRate: null,
      reachedTarget: '-',
      predictedStepsToTarget: null,
      predictedSecondsToTarget: null,
      scalingEfficiency: null,
    };
  });

  const judged = rows.filter((r) => finite(r.value));
  const bestRow = judged.reduce<BatchSizeRow | undefined>((b, r) => (!b || score(r.value, mode) > score(b.value, mode) ? r : b), undefined);
  let bestMetric: BestMetricRecommendation | null = null;
  if (bestRow) {
    const noiseOf = (r: BatchSizeRow) => r.spread?.std ?? 0;
    const withinNoise = judged
      .filter((r) => r !== bestRow && (noiseOf(r) > 0 || noiseOf(bestRow) > 0) && Math.abs(r.value! - bestRow.value!) <= Math.hypot(noiseOf(r), noiseOf(bestRow)))
      .map((r) => r.batchSize);
    const spread = bestRow.spread ? ` ± ${fmt(bestRow.spread.std)} over ${bestRow.spread.n} trials` : '';
    const runnerUp = judged.filter((r) => r !== bestRow).sort((a, b) => score(b.value, mode) - score(a.value, mode))[0];
    bestMetric = {
      batchSize: bestRow.batchSize,
      learningRate: bestRow.learningRate!,
      params: bestRow.params!,
      metric,
      value: bestRow.value!,
      spread: bestRow.spread,
      examples,
      steps: bestRow.steps,
      seconds: bestRow.secondsToBest,
      withinNoise,
      why:
        `${metric} ${fmt(bestRow.value)}${spread} after ${fmt(examples)} examples (${fmt(bestRow.steps)} steps), the best of ${judged.length} batch sizes` +
        (runnerUp ? `; next: batch ${runnerUp.batchSize} with ${fmt(runnerUp.value)}` : '') +
        (withinNoise.length ? `; within the spread of batch ${withinNoise.join(', ')}, so not clearly better than ${withinNoise.length > 1 ? 'those' : 'that'}` : ''),
    };
  }

  // Goal 2: steps to the target per batch size, the fit, and the predicted time.
  let target: number | null = options.target ?? null;
  let targetSource: BatchSizeReport['targetSource'] = options.target !== undefined ? 'given' : 'none';
  if (target === null && bestRow) {
    target = bestRow.value! + (mode === 'max' ? -0.01 : 0.01) * Math.abs(bestRow.value!);
    targetSource = 'within 1% of the best';
  }
  let fit: StepsFit | null = null;
  let halvingStopsAt: number | null = null;
  let fastest: FastestRecommendation | null = null;
  if (target !== null) {
    for (const [i, [, ts]] of bySize.entries()) {
      const row = rows[i];
      let chosen: { steps: number; seconds: number; lr: number; of: number } | undefined;
      let mostHits = { hits: -1, of: 0 };
      for (const group of groupBy(ts, (t) => paramsKey(t.params)).values()) {
        const hits = group.map((t) => crossing(t, metric, mode, target!));
        const reached = hits.filter((h) => h !== null);
        if (reached.length > mostHits.hits) mostHits = { hits: reached.length, of: group.length };
        // A configuration counts only when every one of its trials reached the target.
        if (reached.length < group.length) continue;
        const steps = mean(reached.map((h) => h.steps));
        if (!chosen || steps < chosen.steps) chosen = { steps, seconds: mean(reached.map((h) => h.seconds)), lr: group[0].params.learningRate, of: group.length };
      }
      row.reachedTarget = chosen ? `${chosen.of}/${chosen.of}` : `${Math.max(0, mostHits.hits)}/${mostHits.of}`;
      if (chosen) {
        row.stepsToTarget = chosen.steps;
        row.secondsToTarget = chosen.seconds;
        row.targetLearningRate = chosen.lr;
      }
    }
    let previous: BatchSizeRow | undefined;
    for (const row of rows.filter((r) => finite(r.stepsToTarget))) {
      if (previous) {
        row.scalingEfficiency = previous.stepsToTarget! / row.stepsToTarget! / (row.batchSize / previous.batchSize);
        if (halvingStopsAt === null && row.scalingEfficiency < HALVING) halvingStopsAt = row.batchSize;
      }
      previous = row;
    }
    fit = fitSteps(rows.filter((r) => finite(r.stepsToTarget)).map((r) => ({ batchSize: r.batchSize, steps: r.stepsToTarget! })));
    for (const row of rows) {
      if (!fit || !finite(row.secondsPerStep)) continue;
      row.predictedStepsToTarget = predictSteps(fit, row.batchSize);
      row.predictedSecondsToTarget = row.predictedStepsToTarget * row.secondsPerStep;
    }
    fastest = fastestToTarget(rows, bySize, fit, target, mode);
  }
  const noise = rows.map((r) => r.noiseScale).filter(finite);
  return {
    metric,
    mode,
    examples,
    target,
    targetSource,
    batchSizes: rows,
    fit,
    halvingStopsAt,
    noiseScale: noise.length ? mean(noise) : null,
    recommendations: { bestMetric, fastestToTarget: fastest },
    excluded,
  };
}

function fastestToTarget(rows: BatchSizeRow[], bySize: Array<[string | number, JournalTrial[]]>, fit: StepsFit | null, target: number, mode: Objective['mode']): FastestRecommendation | null {
  const furthestSteps = (i: number) => Math.max(0, ...bySize[i][1].map((t) => t.reports.at(-1)?.progress.steps ?? 0));
  const candidates = rows
    .map((row, i) => ({ row, i }))
    .filter(({ row, i }) => {
      if (fit) {
        if (!finite(row.predictedSecondsToTarget)) return false;
        // A batch size that trained past its predicted steps without reaching the target contradicts the fit.
        return finite(row.stepsToTarget) || furthestSteps(i) < row.predictedStepsToTarget!;
      }
      return finite(row.secondsToTarget);
    });
  const key = (row: BatchSizeRow) => (fit ? row.predictedSecondsToTarget! : row.secondsToTarget!);
  const pick = candidates.sort((a, b) => key(a.row) - key(b.row))[0]?.row;
  if (!pick) return null;
  const lr = pick.targetLearningRate ?? pick.learningRate;
  const params = bySize.find(([size]) => Number(size) === pick.batchSize)![1].find((t) => t.params.learningRate === lr)?.params ?? { batchSize: pick.batchSize, learningRate: lr ?? NaN };
  const goal = `${mode === 'max' ? '≥' : '≤'} ${fmt(target)}`;
  const reached = rows.filter((r) => finite(r.secondsToTarget)).sort((a, b) => a.secondsToTarget! - b.secondsToTarget!)[0];
  const measuredFastest = reached ? { batchSize: reached.batchSize, learningRate: reached.targetLearningRate!, seconds: reached.secondsToTarget! } : null;
  const disagree = fit && measuredFastest && measuredFastest.batchSize !== pick.batchSize ? `; measured fastest: batch ${measuredFastest.batchSize} (${fmt(measuredFastest.seconds)} s)` : '';
  const measured = finite(pick.secondsToTarget) ? `measured ${fmt(pick.stepsToTarget)} steps, ${fmt(pick.secondsToTarget)} s` : 'not reached in the trials run';
  const why = fit
    ? `predicted ${fmt(pick.predictedStepsToTarget)} steps × ${fmt(pick.secondsPerStep)} s/step = ${fmt(pick.predictedSecondsToTarget)} s to ${goal} (${measured}); ` +
      `fit S(B) = ${fmt(fit.sMin)}·(1 + ${fit.bNoise === null ? '∞' : fmt(fit.bNoise)}/B) over ${fit.points} batch sizes, mean relative error ${(100 * fit.meanRelativeError).toFixed(1)}%` +
      (fit.points === 2 ? ' (2 points: the fit is exact, not a check)' : '') + (fit.note ? `; ${fit.note}` : '') + disagree
    : `${measured} to ${goal}, the least measured (fewer than 2 batch sizes reached the target, so no fit)`;
  return {
    batchSize: pick.batchSize,
    learningRate: lr!,
    params,
    target,
    basis: fit ? 'fit' : 'measured',
    predictedSeconds: pick.predictedSecondsToTarget,
    predictedSteps: pick.predictedStepsToTarget,
    measuredSeconds: pick.secondsToTarget,
    measuredSteps: pick.stepsToTarget,
    secondsPerStep: pick.secondsPerStep!,
    measuredFastest,
    why,
  };
}
