/** One line per chart that states what it measured, in words, from the findings `analysis/chart-data.ts` computed. */
import type { ChartData } from '../analysis/chart-data.ts';
import type { ChartId } from './charts.ts';
import { notComparedText } from './findings.ts';
import { formatNumber as fmt } from './format.ts';
import { at } from '../core/indexed.ts';

export function captions(data: ChartData): Record<ChartId, string> {
  const { report, metric } = data;
  const best = report.recommendations.bestMetric;
  const trials = new Set(data.curves.map((p) => p.trialId)).size;
  const missing = report.batchSizes.filter((r) => r.notCompared).map((r) => `batch ${r.batchSize}: ${notComparedText(r, report)}`);
  const last = data.throughput.at(-1);

  const curves = trials
    ? `${trials} trials over ${report.batchSizes.length} batch sizes; the best, trial ${best?.trialId ?? '-'} (batch ${best?.batchSize ?? '-'}), reached ${metric} ${fmt(best?.value)} at ${fmt(best?.examples)} examples.`
    : `No trial reported a finite ${metric}.`;

  const atPoint = best
    ? `At ${fmt(report.examples)} examples batch ${best.batchSize} is best (${metric} ${fmt(best.value)})` +
      (best.runnerUp ? `, then batch ${best.runnerUp.batchSize} (${fmt(best.runnerUp.value)})` : '') +
      (best.withinNoise.length ? `; batch ${best.withinNoise.join(', ')} within the seed spread` : '') +
      (missing.length ? `; not compared: ${missing.join('; ')}` : '') +
      '.'
    : `No batch size has a finite ${metric} at the judging point.`;

  const fastest = data.fastestPerExample;
  const throughput = fastest
    ? `Batch ${fastest.batchSize} is the fastest per example (${fmt(fastest.examplesPerSecond)} examples/s` +
      (fastest.speedup !== null ? `, ${fmt(fastest.speedup, 3)}× batch ${at(data.throughput, 0).batchSize}` : '') +
      ')' +
      (data.plateauFrom !== null && data.plateauFrom !== fastest.batchSize
        ? `; from batch ${data.plateauFrom} on, throughput is within 10% of it`
        : '') +
      (last && last.batchSize !== fastest.batchSize ? `; batch ${last.batchSize} gives ${fmt(last.examplesPerSecond)}` : '') +
      (data.largestFitting !== null
        ? `; the largest batch that fits is ${data.largestFitting} (${data.smallestInfeasible} ran out of memory)`
        : '') +
      '.'
    : 'No trial recorded training time.';

  const fit = report.fit;
  const steps = !data.stepsToTarget.length
    ? `No batch size reached the target${report.target === null ? '' : ` ${metric} ${fmt(report.target)}`}.`
    : `${data.stepsToTarget.length} batch sizes reached ${metric} ${report.mode === 'max' ? '≥' : '≤'} ${fmt(report.target)}` +
      (report.halvingStopsAt !== null
        ? `; doubling past ${data.halvingStopsAfter ?? report.halvingStopsAt} no longer halves the steps`
        : fit
          ? '; each doubling still nearly halved the steps'
          : '') +
      (fit && data.fitCurve.length
        ? `; fit S_min ${fmt(fit.sMin)} steps, E_min ${fmt(fit.eMin)} examples, B_noise ${fit.bNoise === null ? '–' : fmt(fit.bNoise)}`
        : '; too few points for a fit') +
      '.';

  const g = data.noiseGrowth;
  const noise = !data.noise.length
    ? 'The gradient noise scale was not measured in this study (tfjs trainer option noiseScale).'
    : g
      ? `B_simple went from ${fmt(g.first)} at ${fmt(g.firstExamples)} examples to ${fmt(g.last)} at ${fmt(g.lastExamples)} (${fmt(g.factor, 3)}×, mean over trials).`
      : `B_simple measured once: ${fmt(at(data.noise, 0).value)}.`;

  const r = data.gapRange;
  const gap = r
    ? `The gap is smallest at batch ${r.smallest.batchSize} (${fmt(r.smallest.gap, 3)}) and largest at batch ${r.largest.batchSize} (${fmt(r.largest.gap, 3)}).`
    : data.gap.length
      ? `One batch size has a gap: ${fmt(at(data.gap, 0).gap, 3)}.`
      : 'The journal has no train metric next to the validation metric, so no gap.';

  return { curves, 'at-point': atPoint, throughput, 'steps-to-target': steps, 'noise-scale': noise, gap };
}
