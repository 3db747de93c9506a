/**
 * Goal 2 of `report`: per batch size the steps and seconds to a target value (interpolated between
 * reports), whether doubling the batch still nearly halved them, the fit S(B) = S_min·(1 + B_noise/B),
 * and the batch size with the least predicted time to the target: predicted steps × measured seconds
 * per step (the goodput idea of Pollux/AdaptDL).
 */
import { paramsKey, type JournalTrial, type Objective } from '../core/index.ts';
import type { BatchSizeRow, Recommendation } from './recommend.ts';
import { finite, groupBy, mean } from './stats.ts';
import { crossing, fitSteps, predictSteps, type StepsFit } from './steps-to-target.ts';
import { at } from '../core/indexed.ts';

/** Scaling efficiency below which a doubling "stopped halving" the steps (it saved less than 1.5×). */
const HALVING = 0.75;

export interface FastestRecommendation extends Recommendation {
  target: number;
  /** "fit": predicted seconds from the steps fit; "measured": too few batch sizes reached the target to fit. */
  basis: 'fit' | 'measured';
  predictedSeconds: number | null;
  predictedSteps: number | null;
  measuredSeconds: number | null;
  measuredSteps: number | null;
  /** Null when the basis is "measured" and no throughput was measured alone. */
  secondsPerStep: number | null;
  /** The batch size with the least measured seconds to the target, to set against the prediction. */
  measuredFastest: { batchSize: number; learningRate: number; seconds: number } | null;
}

/** Fills each row's target columns, and returns the fit, where halving stopped and the recommendation. */
export function toTarget(
  rows: BatchSizeRow[],
  bySize: Array<[number, JournalTrial[]]>,
  metric: string,
  mode: Objective['mode'],
  target: number,
): { fit: StepsFit | null; halvingStopsAt: number | null; fastest: FastestRecommendation | null } {
  let halvingStopsAt: number | null = null;
  for (const [i, [, ts]] of bySize.entries()) {
    const row = at(rows, i);
    let chosen: { steps: number; seconds: number; lr: number; of: number } | undefined;
    let mostHits = { hits: -1, of: 0 };
    for (const group of groupBy(ts, (t) => paramsKey(t.params)).values()) {
      const hits = group.map((t) => crossing(t, metric, mode, target));
      const reached = hits.filter((h) => h !== null);
      if (reached.length > mostHits.hits) mostHits = { hits: reached.length, of: group.length };
      // A configuration counts only when every one of its trials reached the target.
      if (reached.length < group.length) continue;
      const steps = mean(reached.map((h) => h.steps));
      if (!chosen || steps < chosen.steps)
        chosen = { steps, seconds: mean(reached.map((h) => h.seconds)), lr: at(group, 0).params.learningRate, of: group.length };
    }
    row.reachedTarget = chosen ? { hits: chosen.of, of: chosen.of } : { hits: Math.max(0, mostHits.hits), of: mostHits.of };
    if (chosen) {
      row.stepsToTarget = chosen.steps;
      row.secondsToTarget = chosen.seconds;
      row.targetLearningRate = chosen.lr;
    }
  }
  const reachedSteps = rows.flatMap((row) =>
    finite(row.stepsToTarget) ? [{ row, batchSize: row.batchSize, steps: row.stepsToTarget }] : [],
  );
  let previous: (typeof reachedSteps)[number] | undefined;
  for (const current of reachedSteps) {
    const { row } = current;
    if (previous) {
      row.scalingEfficiency = previous.steps / current.steps / (row.batchSize / previous.batchSize);
      if (halvingStopsAt === null && row.scalingEfficiency < HALVING) halvingStopsAt = row.batchSize;
    }
    previous = current;
  }
  const fit = fitSteps(reachedSteps.map(({ batchSize, steps }) => ({ batchSize, steps })));
  for (const row of rows) {
    if (!fit || !finite(row.secondsPerStep)) continue;
    row.predictedStepsToTarget = predictSteps(fit, row.batchSize);
    row.predictedSecondsToTarget = row.predictedStepsToTarget * row.secondsPerStep;
  }
  return { fit, halvingStopsAt, fastest: fastestToTarget(rows, bySize, fit, target) };
}

function fastestToTarget(
  rows: BatchSizeRow[],
  bySize: Array<[number, JournalTrial[]]>,
  fit: StepsFit | null,
  target: number,
): FastestRecommendation | null {
  const furthestSteps = (i: number) => Math.max(0, ...at(bySize, i)[1].map((t) => t.reports.at(-1)?.progress.steps ?? 0));
  const candidates = rows.flatMap((row, i) => {
    const seconds = fit ? row.predictedSecondsToTarget : row.secondsToTarget;
    if (!finite(seconds)) return [];
    // A batch size that trained past its predicted steps without reaching the target contradicts the fit.
    const predicted = row.predictedStepsToTarget;
    if (fit && !finite(row.stepsToTarget) && !(finite(predicted) && furthestSteps(i) < predicted)) return [];
    return [{ row, seconds }];
  });
  const pick = candidates.sort((a, b) => a.seconds - b.seconds)[0]?.row;
  if (!pick) return null;
  const lr = pick.targetLearningRate ?? pick.learningRate;
  const trials = bySize.find(([size]) => size === pick.batchSize)?.[1];
  if (!trials) throw new Error(`batch size ${pick.batchSize} has a row but no trials`);
  const params = trials.find((t) => t.params.learningRate === lr)?.params ?? {
    batchSize: pick.batchSize,
    learningRate: lr ?? NaN,
  };
  const reached = rows
    .flatMap((r) =>
      finite(r.secondsToTarget) && finite(r.targetLearningRate) ? [{ row: r, seconds: r.secondsToTarget, lr: r.targetLearningRate }] : [],
    )
    .sort((a, b) => a.seconds - b.seconds)[0];
  const measuredFastest = reached ? { batchSize: reached.row.batchSize, learningRate: reached.lr, seconds: reached.seconds } : null;
  return {
    batchSize: pick.batchSize,
    learningRate: lr ?? NaN,
    params,
    target,
    basis: fit ? 'fit' : 'measured',
    predictedSeconds: pick.predictedSecondsToTarget,
    predictedSteps: pick.predictedStepsToTarget,
    measuredSeconds: pick.secondsToTarget,
    measuredSteps: pick.stepsToTarget,
    secondsPerStep: pick.secondsPerStep,
    measuredFastest,
  };
}
