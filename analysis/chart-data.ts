/**
 * The data behind the report's charts, and the finding each chart shows, as numbers. Pure: the
 * words are `report/captions.ts`, the pictures `report/charts.ts`.
 */
import { judge, type Study } from './judging.ts';
import { generalizationGap } from './metrics.ts';
import { recommend, type BatchSizeReport, type RecommendOptions } from './recommend.ts';
import { finite } from './stats.ts';
import { predictSteps } from './steps-to-target.ts';
import { at } from '../core/indexed.ts';

export interface CurvePoint {
  trialId: number;
  batchSize: number;
  examples: number;
  value: number;
}

export interface ChartData {
  report: BatchSizeReport;
  metric: string;
  /** 1. Every report's objective, one series per trial. */
  curves: CurvePoint[];
  /** 2. Each judged trial's value at the judging point (one point per seed), and the mean per batch size. */
  atPoint: Array<{ trialId: number; batchSize: number; value: number; examples: number }>;
  /** 3. Examples per training second per batch size, and the memory limit read from infeasible trials. */
  throughput: Array<{ batchSize: number; examplesPerSecond: number }>;
  largestFitting: number | null;
  smallestInfeasible: number | null;
  /** The batch size with the most examples/s, and the smallest batch within 10% of it (where the plateau starts). */
  fastestPerExample: {
    batchSize: number;
    examplesPerSecond: number;
    /** Its examples/s over the smallest batch size's. */ speedup: number | null;
  } | null;
  plateauFrom: number | null;
  /** 4. Measured steps to the target, and the fitted S(B) = S_min + E_min/B over the measured range. */
  stepsToTarget: Array<{ batchSize: number; steps: number }>;
  fitCurve: Array<{ batchSize: number; steps: number }>;
  /** The last batch size before doubling stopped nearly halving the steps (the report's halvingStopsAt, one measured size down). */
  halvingStopsAfter: number | null;
  /** 5. The gradient noise scale B_simple at each report where it was measured. */
  noise: CurvePoint[];
  /** First and last measured B_simple, averaged over the trials that measured it. */
  noiseGrowth: { first: number; last: number; firstExamples: number; lastExamples: number; factor: number } | null;
  /** 6. The train–validation gap at the judging point, per judged trial. */
  gap: Array<{ trialId: number; batchSize: number; gap: number }>;
  /** The batch sizes with the smallest and largest mean gap. */
  gapRange: { smallest: { batchSize: number; gap: number }; largest: { batchSize: number; gap: number } } | null;
}

/** Throughput within this fraction of the fastest counts as on the plateau. */
const PLATEAU = 0.1;

export function chartData(study: Study, options: RecommendOptions = {}): ChartData {
  const report = recommend(study, options);
  const { metric } = report;
  const sizes = new Set(report.batchSizes.map((r) => r.batchSize));
  const trials = study.view.trials.filter(
    (t) => sizes.has(t.params.batchSize) && t.reports.every((r) => r.batchSize === t.params.batchSize),
  );
  const curves = trials.flatMap((t) =>
    t.reports
      .filter((r) => finite(r.metrics[metric]))
      .map((r) => ({
        trialId: t.trialId,
        batchSize: t.params.batchSize,
        examples: r.progress.examples,
        value: r.metrics[metric] as number,
      })),
  );
  const noise = trials.flatMap((t) =>
    t.reports
      .filter((r) => finite(r.metrics.noise_scale))
      .map((r) => ({
        trialId: t.trialId,
        batchSize: t.params.batchSize,
        examples: r.progress.examples,
        value: r.metrics.noise_scale as number,
      })),
  );

  // The judged trials of each batch size's shown configuration.
  const shown = new Map(report.batchSizes.filter((r) => r.params).map((r) => [r.batchSize, JSON.stringify(r.params)]));
  const judged = trials.filter((t) => shown.get(t.params.batchSize) === JSON.stringify(t.params));
  const atPoint: ChartData['atPoint'] = [];
  const gap: ChartData['gap'] = [];
  const reportAt = judge(study, options).judged;
  for (const t of judged) {
    const r = reportAt.get(t.trialId);
    if (!r || !finite(r.metrics[metric])) continue;
    atPoint.push({ trialId: t.trialId, batchSize: t.params.batchSize, value: r.metrics[metric], examples: r.progress.examples });
    const g = generalizationGap(r.metrics);
    if (finite(g)) gap.push({ trialId: t.trialId, batchSize: t.params.batchSize, gap: g });
  }

  const throughput = report.batchSizes.flatMap((r) =>
    finite(r.examplesPerSecond) ? [{ batchSize: r.batchSize, examplesPerSecond: r.examplesPerSecond }] : [],
  );
  const top = throughput.reduce<(typeof throughput)[number] | null>(
    (b, r) => (!b || r.examplesPerSecond > b.examplesPerSecond ? r : b),
    null,
  );
  const plateauFrom = top
    ? Math.min(...throughput.filter((r) => r.examplesPerSecond >= (1 - PLATEAU) * top.examplesPerSecond).map((r) => r.batchSize))
    : null;
  const infeasible = report.batchSizes.filter((r) => r.infeasible).map((r) => r.batchSize);
  const smallestInfeasible = infeasible.length ? Math.min(...infeasible) : null;
  const fitting = report.batchSizes.filter(
    (r) => !r.infeasible && finite(r.examplesPerSecond) && (smallestInfeasible === null || r.batchSize < smallestInfeasible),
  );
  const largestFitting = smallestInfeasible !== null && fitting.length ? Math.max(...fitting.map((r) => r.batchSize)) : null;

  const stepsToTarget = report.batchSizes.flatMap((r) =>
    finite(r.stepsToTarget) ? [{ batchSize: r.batchSize, steps: r.stepsToTarget }] : [],
  );
  const fitCurve: ChartData['fitCurve'] = [];
  if (report.fit && stepsToTarget.length >= 2) {
    const lo = Math.min(...report.batchSizes.map((r) => r.batchSize));
    const hi = Math.max(...report.batchSizes.map((r) => r.batchSize));
    for (let i = 0; i <= 40; i++) {
      const b = lo * (hi / lo) ** (i / 40);
      fitCurve.push({ batchSize: b, steps: predictSteps(report.fit, b) });
    }
  }

  const stopsAt = report.halvingStopsAt;
  return {
    report,
    metric,
    curves,
    atPoint,
    throughput,
    largestFitting,
    smallestInfeasible,
    fastestPerExample: top && {
      ...top,
      speedup: at(throughput, 0).batchSize === top.batchSize ? null : top.examplesPerSecond / at(throughput, 0).examplesPerSecond,
    },
    plateauFrom,
    stepsToTarget,
    fitCurve,
    halvingStopsAfter: stopsAt === null ? null : Math.max(0, ...stepsToTarget.map((p) => p.batchSize).filter((b) => b < stopsAt)) || null,
    noise,
    noiseGrowth: growth(noise),
    gap,
    gapRange: range(gap),
  };
}

function growth(noise: CurvePoint[]): ChartData['noiseGrowth'] {
  const byTrial = new Map<number, CurvePoint[]>();
  for (const p of noise) byTrial.set(p.trialId, [...(byTrial.get(p.trialId) ?? []), p]);
  const series = [...byTrial.values()].filter((s) => s.length >= 2);
  if (!series.length) return null;
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const first = avg(series.map((s) => at(s, 0).value));
  const last = avg(series.map((s) => at(s, s.length - 1).value));
  return {
    first,
    last,
    firstExamples: avg(series.map((s) => at(s, 0).examples)),
    lastExamples: avg(series.map((s) => at(s, s.length - 1).examples)),
    factor: last / first,
  };
}

function range(gap: ChartData['gap']): ChartData['gapRange'] {
  const bySize = new Map<number, number[]>();
  for (const g of gap) bySize.set(g.batchSize, [...(bySize.get(g.batchSize) ?? []), g.gap]);
  const means = [...bySize].map(([batchSize, gs]) => ({ batchSize, gap: gs.reduce((s, x) => s + x, 0) / gs.length }));
  if (means.length < 2) return null;
  const sorted = [...means].sort((a, b) => a.gap - b.gap || a.batchSize - b.batchSize);
  return { smallest: at(sorted, 0), largest: at(sorted, sorted.length - 1) };
}
