/**
 * The recommendation behind `batchtune report`: per batch size, what the journal measured, and a
 * batch size + learning rate for two goals, with the numbers that justify each (as data; the
 * words are `report/findings.ts`).
 *
 * 1. Best metric within the examples budget: batch sizes are judged where the search judged its best
 *    trial (`judging.ts`): the summary's best, or the best at the highest level reached, so `report`
 *    and `run` name the same configuration. Only trials trained to that point are compared.
 * 2. Least time to a target metric: the measured steps to the target per batch size are fitted to
 *    S(B) = S_min·(1 + B_noise/B) (McCandlish et al. 2018), least squares in 1/B weighted by
 *    relative error; times the measured seconds per step at each batch size this predicts the
 *    time to the target (the goodput idea of Pollux/AdaptDL: throughput × statistical efficiency).
 *
 * Pure: it reads a journal and computes; nothing else.
 */
import { paramsKey, score, type JournalTrial, type Objective, type Params, type Report } from '../core/index.ts';
import { judge, notCompared, type JudgingPoint, type NotCompared, type Study } from './judging.ts';
import { generalizationGap, speedOf, type Measured } from './metrics.ts';
import { finite, groupBy, mean, spreadOf, type Spread } from './stats.ts';
import { toTarget, type FastestRecommendation } from './fastest-to-target.ts';
import type { StepsFit } from './steps-to-target.ts';
import { at } from '../core/indexed.ts';

export type { FastestRecommendation, Spread, StepsFit };

export interface RecommendOptions {
  /** The metric to judge by; default: the journal's objective. */
  metric?: string | undefined;
  /** The target for goal 2; default: within 1% of the best value at the judging point. */
  target?: number | undefined;
  /** Judge at this many examples instead of where the search judged its best trial. */
  examples?: number | undefined;
}

export interface BatchSizeRow {
  batchSize: number;
  /** Learning rate (and params) of the configuration shown at this batch size (the best trial's, at its batch size). */
  learningRate: number | null;
  params: Params | null;
  /** Trials at this batch size, and distinct configurations (learning rates, extras) among them. */
  trials: number;
  configs: number;
  /** Every trial at this batch size failed as infeasible (out of memory). */
  infeasible: boolean;
  /** Examples its judged trials had seen at the judging point (mean; soft targets end near the level). */
  examples: number | null;
  /** The configuration's value at the judging point, averaged over its trials there. */
  value: number | null;
  /** That value across the configuration's trials (seeds), when it has more than one. */
  spread: Spread | null;
  /** Why this batch size has no value at the judging point; null when it has one. */
  notCompared: NotCompared | null;
  /** Steps taken to the judging point (mean over the configuration's trials). */
  steps: number | null;
  /**
   * Training examples per second and seconds per step at this batch size, from its trials that had the
   * machine to themselves when there are any. When some batch sizes were measured only while sharing the
   * machine and others alone, the shared ones are left out of every speed comparison (null here).
   */
  examplesPerSecond: number | null;
  secondsPerStep: number | null;
  /** How the speed was measured; `shared` rows are only compared with each other. */
  throughputMeasured: Measured | null;
  /** Training seconds to the judging point. */
  secondsToBest: number | null;
  /** Train minus validation accuracy (or validation minus train loss) at the judging point. */
  gap: number | null;
  /** B_simple from the trials' last `noise_scale` metric, when measured. */
  noiseScale: number | null;
  /** Steps and seconds to the target (interpolated between reports), for the configuration fastest to it. */
  stepsToTarget: number | null;
  secondsToTarget: number | null;
  targetLearningRate: number | null;
  /** Trials of that configuration that reached the target, of all its trials. */
  reachedTarget: { hits: number; of: number } | null;
  predictedStepsToTarget: number | null;
  predictedSecondsToTarget: number | null;
  /**
   * Steps saved against the next smaller batch size that reached the target, over what perfect
   * scaling would save: (S(B′)/S(B)) / (B/B′). 1: steps fell in proportion (doubling B halved them).
   */
  scalingEfficiency: number | null;
}

export interface Recommendation {
  batchSize: number;
  learningRate: number;
  params: Params;
}

export interface BestMetricRecommendation extends Recommendation {
  /** The trial judged best (the run summary's best when the journal has one). */
  trialId: number;
  metric: string;
  /** That trial's value at the judging point. */
  value: number;
  /** Its configuration's value over its seeds, when it ran more than one. */
  spread: Spread | null;
  examples: number;
  steps: number | null;
  seconds: number | null;
  /** Batch sizes compared at the judging point (this one included). */
  compared: number;
  /** The best other batch size there. */
  runnerUp: { batchSize: number; value: number } | null;
  /** Other batch sizes whose value is within the combined spread of this one (not distinguishable). */
  withinNoise: number[];
  /** Batch sizes whose mean over seeds is better than this configuration's mean (the best single trial is not the best mean). */
  aheadByMean: number[];
}

export interface BatchSizeReport {
  metric: string;
  mode: Objective['mode'];
  /** Where batch sizes are judged, and the examples E the best trial had seen there. */
  point: JudgingPoint | null;
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

interface Judged {
  trials: JournalTrial[];
  at: Report[];
  values: number[];
}

/** Per batch size, the measurements; then the two recommendations. */
export function recommend(study: Study, options: RecommendOptions = {}): BatchSizeReport {
  const judgement = judge(study, options);
  const { metric, mode, point, judged, trials, excluded } = judgement;
  const bySize = [...groupBy(trials, (t) => t.params.batchSize).entries()].sort((a, b) => a[0] - b[0]);
  const bestTrialId = point?.bestTrialId ?? null;
  const examples = point?.examples ?? 0;

  // Goal 1: per batch size, each configuration's value at the point (over its trials judged there).
  const rows: BatchSizeRow[] = bySize.map(([batchSize, ts]) => {
    const configs = [...groupBy(ts, (t) => paramsKey(t.params)).values()];
    const speed = speedOf(ts);
    const noise = ts.map((t) => [...t.reports].reverse().find((r) => finite(r.metrics.noise_scale))?.metrics.noise_scale).filter(finite);
    let shown: Judged | undefined;
    let anyJudged = false;
    for (const group of configs) {
      const there = group.filter((t) => judged.has(t.trialId));
      anyJudged ||= there.length > 0;
      const at = there.flatMap((t) => judged.get(t.trialId) ?? []);
      if (at.length === 0 || at.some((r) => !finite(r.metrics[metric]))) continue; // a trial diverged: the config has no finite value
      const candidate = { trials: there, at, values: at.map((r) => r.metrics[metric] as number) };
      if (there.some((t) => t.trialId === bestTrialId)) {
        shown = candidate; // the best trial's configuration is the one shown at its batch size
        break;
      }
      if (!shown || score(mean(candidate.values), mode) > score(mean(shown.values), mode)) shown = candidate;
    }
    const gaps = shown?.at.map((r) => generalizationGap(r.metrics)).filter(finite) ?? [];
    const reason = shown ? null : notCompared(study, ts, metric, judgement);
    return {
      batchSize,
      learningRate: shown ? at(shown.trials, 0).params.learningRate : null,
      params: shown ? at(shown.trials, 0).params : null,
      trials: ts.length,
      configs: configs.length,
      infeasible: ts.every((t) => t.state === 'infeasible'),
      examples: shown ? mean(shown.at.map((r) => r.progress.examples)) : null,
      value: shown ? mean(shown.values) : null,
      spread: shown ? spreadOf(shown.values) : null,
      notCompared: reason && anyJudged && reason.reason !== 'infeasible' ? { ...reason, reason: 'diverged' } : reason,
      steps: shown ? mean(shown.at.map((r) => r.progress.steps)) : null,
      examplesPerSecond: speed.examplesPerSecond,
      secondsPerStep: speed.secondsPerStep,
      throughputMeasured: speed.measured,
      secondsToBest: shown ? mean(shown.at.map((r) => r.progress.seconds)) : null,
      gap: gaps.length ? mean(gaps) : null,
      noiseScale: noise.length ? mean(noise) : null,
      stepsToTarget: null,
      secondsToTarget: null,
      targetLearningRate: null,
      reachedTarget: null,
      predictedStepsToTarget: null,
      predictedSecondsToTarget: null,
      scalingEfficiency: null,
    };
  });

  // Speed measured alone and speed measured under contention are not comparable: keep the alone ones.
  const mixed = rows.some((r) => r.throughputMeasured === 'alone') && rows.some((r) => r.throughputMeasured === 'shared');
  for (const row of rows) {
    if (mixed && row.throughputMeasured === 'shared') {
      row.examplesPerSecond = null;
      row.secondsPerStep = null;
    }
  }
  const compared = rows.filter((r): r is BatchSizeRow & { value: number } => finite(r.value));
  const bestTrial = trials.find((t) => t.trialId === bestTrialId);
  const bestRow = bestTrial ? compared.find((r) => r.batchSize === bestTrial.params.batchSize) : undefined;
  let bestMetric: BestMetricRecommendation | null = null;
  if (bestTrial && bestRow) {
    const report = judged.get(bestTrial.trialId);
    if (!report) throw new Error(`trial ${bestTrial.trialId} is the best but was not judged at the point`);
    const noiseOf = (r: BatchSizeRow) => r.spread?.std ?? 0;
    const others = compared.filter((r) => r !== bestRow);
    const runnerUp = [...others].sort((a, b) => score(b.value, mode) - score(a.value, mode))[0];
    bestMetric = {
      trialId: bestTrial.trialId,
      batchSize: bestTrial.params.batchSize,
      learningRate: bestTrial.params.learningRate,
      params: bestTrial.params,
      metric,
      value: report.metrics[metric] as number,
      spread: bestRow.spread,
      examples: report.progress.examples,
      steps: report.progress.steps,
      seconds: report.progress.seconds,
      compared: compared.length,
      runnerUp: runnerUp ? { batchSize: runnerUp.batchSize, value: runnerUp.value } : null,
      withinNoise: others
        .filter(
          (r) => (noiseOf(r) > 0 || noiseOf(bestRow) > 0) && Math.abs(r.value - bestRow.value) <= Math.hypot(noiseOf(r), noiseOf(bestRow)),
        )
        .map((r) => r.batchSize),
      aheadByMean: others.filter((r) => score(r.value, mode) > score(bestRow.value, mode)).map((r) => r.batchSize),
    };
  }

  // Goal 2: steps to the target per batch size, the fit, and the predicted time.
  let target: number | null = options.target ?? null;
  let targetSource: BatchSizeReport['targetSource'] = options.target !== undefined ? 'given' : 'none';
  if (target === null && bestMetric) {
    target = bestMetric.value + (mode === 'max' ? -0.01 : 0.01) * Math.abs(bestMetric.value);
    targetSource = 'within 1% of the best';
  }
  let fit: StepsFit | null = null;
  let halvingStopsAt: number | null = null;
  let fastest: FastestRecommendation | null = null;
  if (target !== null) ({ fit, halvingStopsAt, fastest } = toTarget(rows, bySize, metric, mode, target));
  const noise = rows.map((r) => r.noiseScale).filter(finite);
  return {
    metric,
    mode,
    point,
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
