/**
 * The report's findings in words, from one source: the terminal report, the HTML page and `--json`
 * all print these. Nothing here computes a finding; it only says what `analysis/` found.
 */
import type { BatchSizeReport, BatchSizeRow } from '../analysis/recommend.ts';
import { formatNumber as fmt } from './format.ts';

const list = (xs: readonly number[]) => xs.join(', ');

/** Where batch sizes were judged, and how many could be compared there. */
function pointText(report: BatchSizeReport): string {
  const { point } = report;
  if (!point) return `no trial has a finite ${report.metric}: nothing to judge`;
  const compared = report.batchSizes.filter((r) => r.value !== null).length;
  const where =
    point.basis === 'given examples'
      ? `judged at ${fmt(point.level)} examples (--examples)`
      : `judged at ${fmt(point.level)} ${point.unit}, the ${point.basis === 'search summary' ? "level of the run summary's best trial" : 'highest level any trial reached'} (E = ${fmt(point.examples)} examples for the best trial)`;
  return `${where}; ${compared} of ${report.batchSizes.length} batch sizes trained that far${compared === report.batchSizes.length ? '' : ', the others are not compared there'}`;
}

/** Why a batch size is not compared at the point, in words; null when it is. */
export function notComparedText(row: BatchSizeRow, report: BatchSizeReport): string | null {
  const n = row.notCompared;
  if (!n) return null;
  const states = n.states.join('/');
  switch (n.reason) {
    case 'infeasible':
      return 'did not fit in memory (infeasible)';
    case 'failed':
      return `failed${n.detail ? `: ${n.detail}` : ''}`;
    case 'diverged':
      return `no finite ${report.metric} there (diverged)`;
    case 'budget ran out':
      return `the budget ran out at ${fmt(n.furthestExamples)} examples`;
    case 'no reports':
      return `no reports (${states})`;
    default:
      return `trained only to ${fmt(n.furthestExamples)} examples (${states})`;
  }
}

/** The best-metric recommendation and the numbers behind it. */
function bestMetricText(report: BatchSizeReport): string {
  const best = report.recommendations.bestMetric;
  if (!best) return `best ${report.metric}: none (no batch size has a finite ${report.metric} at the judging point)`;
  const spread = best.spread ? ` (its configuration: ${fmt(best.spread.mean)} ± ${fmt(best.spread.std)} over ${best.spread.n} trials)` : '';
  const parts = [
    `${report.metric} ${fmt(best.value)}${spread} after ${fmt(best.examples)} examples (${fmt(best.steps)} steps), trial ${best.trialId}, the best of ${best.compared} batch sizes compared there`,
  ];
  if (best.runnerUp) parts.push(`next: batch ${best.runnerUp.batchSize} with ${fmt(best.runnerUp.value)}`);
  if (best.withinNoise.length)
    parts.push(
      `within the spread of batch ${list(best.withinNoise)}, so not clearly better than ${best.withinNoise.length > 1 ? 'those' : 'that'}`,
    );
  if (best.aheadByMean.length)
    parts.push(`by the mean over seeds batch ${list(best.aheadByMean)} ${best.aheadByMean.length > 1 ? 'are' : 'is'} ahead`);
  const missing = report.batchSizes.filter((r) => r.notCompared);
  if (missing.length) parts.push(`not compared: ${missing.map((r) => `batch ${r.batchSize} (${notComparedText(r, report)})`).join(', ')}`);
  return `best ${report.metric}: batch ${best.batchSize}, lr ${fmt(best.learningRate)}: ${parts.join('; ')}`;
}

/** The fastest-to-target recommendation and the numbers behind it. */
function fastestText(report: BatchSizeReport): string {
  const fastest = report.recommendations.fastestToTarget;
  if (!fastest) return 'fastest to the target: none (no batch size reached it)';
  const { fit } = report;
  const goal = `${report.mode === 'max' ? '≥' : '≤'} ${fmt(fastest.target)}`;
  const measured =
    fastest.measuredSeconds !== null
      ? `measured ${fmt(fastest.measuredSteps)} steps, ${fmt(fastest.measuredSeconds)} s`
      : 'not reached in the trials run';
  const m = fastest.measuredFastest;
  const disagree = fit && m && m.batchSize !== fastest.batchSize ? `; measured fastest: batch ${m.batchSize} (${fmt(m.seconds)} s)` : '';
  const why = fit
    ? `predicted ${fmt(fastest.predictedSteps)} steps × ${fmt(fastest.secondsPerStep)} s/step = ${fmt(fastest.predictedSeconds)} s to ${goal} (${measured}); ` +
      `fit S(B) = ${fmt(fit.sMin)}·(1 + ${fit.bNoise === null ? '∞' : fmt(fit.bNoise)}/B) over ${fit.points} batch sizes, mean relative error ${(100 * fit.meanRelativeError).toFixed(1)}%` +
      (fit.points === 2 ? ' (2 points: the fit is exact, not a check)' : '') +
      (fit.note ? `; ${fit.note}` : '') +
      disagree
    : `${measured} to ${goal}, the least measured (fewer than 2 batch sizes reached the target, so no fit)`;
  return `fastest to the target: batch ${fastest.batchSize}, lr ${fmt(fastest.learningRate)}: ${why}`;
}

/** The steps-to-target fit, whether doubling stopped halving the steps, and the noise scale. */
function scalingLines(report: BatchSizeReport): string[] {
  const lines: string[] = [];
  if (report.fit) {
    const f = report.fit;
    lines.push(`steps to target: S_min ${fmt(f.sMin)}, B_noise ${f.bNoise === null ? '-' : fmt(f.bNoise)}, E_min ${fmt(f.eMin)} examples`);
  }
  if (report.halvingStopsAt !== null) {
    lines.push(
      `steps to target stopped halving at batch ${report.halvingStopsAt} (scaling efficiency below 0.75 from the batch size before it)`,
    );
  } else if (report.fit) {
    lines.push('steps to target kept nearly halving with each larger batch size measured (scaling efficiency ≥ 0.75)');
  }
  if (report.noiseScale !== null)
    lines.push(`measured gradient noise scale B_simple: ${fmt(report.noiseScale, 3)} (mean over batch sizes)`);
  return lines;
}

/** Every finding of a report in words: the same text for the terminal, the HTML page and `--json`. */
export function findings(report: BatchSizeReport): {
  point: string;
  bestMetric: string;
  fastestToTarget: string;
  scaling: string[];
  notCompared: Record<number, string>;
  excluded: string[];
} {
  const notCompared: Record<number, string> = {};
  for (const row of report.batchSizes) {
    const text = notComparedText(row, report);
    if (text) notCompared[row.batchSize] = text;
  }
  return {
    point: pointText(report),
    bestMetric: bestMetricText(report),
    fastestToTarget: fastestText(report),
    scaling: scalingLines(report),
    notCompared,
    excluded: report.excluded.map((e) => `trial ${e.trialId} left out: ${e.why}`),
  };
}
