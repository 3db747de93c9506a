import type { BatchSizeReport } from '../analysis/recommend.ts';
import { findings } from './findings.ts';
import { formatNumber as fmt, renderTable } from './format.ts';

/** The per-batch-size table as cells: the terminal and the HTML page show the same one. */
export function batchSizeTable(report: BatchSizeReport): { header: string[]; rows: string[][] } {
  const { metric } = report;
  const header = [
    'batch',
    'lr',
    'trials',
    'judged at',
    metric,
    '±std',
    'steps',
    'ex/s',
    's/step',
    's to point',
    'gap',
    'noise B',
    'lr→target',
    'steps→target',
    's→target',
    'reached',
    'pred steps',
    'pred s',
    'scaling',
  ];
  const round = (v: number | null) => fmt(v === null ? null : Math.round(v));
  const rows = report.batchSizes.map((r) => [
    String(r.batchSize),
    r.infeasible ? 'infeasible' : fmt(r.learningRate),
    r.configs > 1 ? `${r.trials} (${r.configs} cfg)` : String(r.trials),
    r.examples === null ? 'not compared' : round(r.examples),
    fmt(r.value),
    r.spread ? fmt(r.spread.std, 2) : '-',
    round(r.steps),
    r.throughputMeasured === 'shared' && r.examplesPerSecond !== null
      ? `${fmt(r.examplesPerSecond, 4)}*`
      : r.throughputMeasured === 'shared'
        ? 'shared'
        : fmt(r.examplesPerSecond, 4),
    fmt(r.secondsPerStep, 3),
    fmt(r.secondsToBest, 3),
    fmt(r.gap, 3),
    fmt(r.noiseScale, 3),
    fmt(r.targetLearningRate),
    round(r.stepsToTarget),
    fmt(r.secondsToTarget, 3),
    r.reachedTarget ? `${r.reachedTarget.hits}/${r.reachedTarget.of}` : '-',
    round(r.predictedStepsToTarget),
    fmt(r.predictedSecondsToTarget, 3),
    fmt(r.scalingEfficiency, 2),
  ]);
  return { header, rows };
}

/** `batchtune report` in words: where batch sizes were judged, the per-batch-size table, then each recommendation and its numbers. */
export function formatBatchSizeReport(report: BatchSizeReport): string {
  const { metric, target } = report;
  const said = findings(report);
  const { header, rows } = batchSizeTable(report);
  const lines = [
    said.point,
    `target ${metric} ${target === null ? '-' : `${report.mode === 'max' ? '≥' : '≤'} ${fmt(target)}`} (${report.targetSource}); 'judged at' is the examples each batch size had seen there`,
    '',
    renderTable(header, rows),
    ...throughputNote(report),
    '',
    said.bestMetric,
    said.fastestToTarget,
    ...said.scaling,
    ...said.excluded,
  ];
  return lines.join('\n');
}

/** Says which speeds were measured while the machine was shared, and that they are not compared with the others. */
function throughputNote(report: BatchSizeReport): string[] {
  const shared = report.batchSizes.filter((r) => r.throughputMeasured === 'shared');
  if (shared.length === 0) return [];
  const alone = report.batchSizes.some((r) => r.throughputMeasured === 'alone');
  return [
    alone
      ? `'shared': batch ${shared.map((r) => r.batchSize).join(', ')} trained only beside other trials on the same machine; its speed is left out of every comparison with speeds measured alone (measure it with \`batchtune profile\`)`
      : '*: every speed here was measured while trials shared the machine (a pool or queue of workers); compare them with care, or measure with `batchtune profile`',
  ];
}
