import type { BatchSizeReport } from '../science/recommend.ts';
import { formatNumber as fmt, renderTable } from './format.ts';

/** `batchtune report` in words: the per-batch-size table, then each recommendation and its numbers. */
export function formatBatchSizeReport(report: BatchSizeReport): string {
  const { metric, examples, target } = report;
  const header = [
    'batch',
    'lr',
    'trials',
    `${metric}@E`,
    '±std',
    'steps',
    'ex/s',
    's/step',
    's to best',
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
  const rows = report.batchSizes.map((r) => [
    String(r.batchSize),
    r.infeasible ? 'infeasible' : fmt(r.learningRate),
    r.configs > 1 ? `${r.trials} (${r.configs} cfg)` : String(r.trials),
    fmt(r.value),
    r.spread ? fmt(r.spread.std, 2) : '-',
    fmt(r.steps === null ? null : Math.round(r.steps)),
    fmt(r.examplesPerSecond, 4),
    fmt(r.secondsPerStep, 3),
    fmt(r.secondsToBest, 3),
    fmt(r.gap, 3),
    fmt(r.noiseScale, 3),
    fmt(r.targetLearningRate),
    fmt(r.stepsToTarget === null ? null : Math.round(r.stepsToTarget)),
    fmt(r.secondsToTarget, 3),
    r.reachedTarget,
    fmt(r.predictedStepsToTarget === null ? null : Math.round(r.predictedStepsToTarget)),
    fmt(r.predictedSecondsToTarget, 3),
    fmt(r.scalingEfficiency, 2),
  ]);
  const lines = [
    `E = ${fmt(examples)} examples (every batch size judged at it); target ${metric} ${target === null ? '-' : `${report.mode === 'max' ? '≥' : '≤'} ${fmt(target)}`} (${report.targetSource})`,
    '',
    renderTable(header, rows),
    '',
  ];
  const best = report.recommendations.bestMetric;
  lines.push(best ? `best ${metric} within ${fmt(examples)} examples: batch ${best.batchSize}, lr ${fmt(best.learningRate)}: ${best.why}` : `best ${metric}: none (no batch size has a finite ${metric} at E)`);
  const fastest = report.recommendations.fastestToTarget;
  lines.push(fastest ? `fastest to the target: batch ${fastest.batchSize}, lr ${fmt(fastest.learningRate)}: ${fastest.why}` : 'fastest to the target: none (no batch size reached it)');
  if (report.fit) {
    const f = report.fit;
    lines.push(`steps to target: S_min ${fmt(f.sMin)}, B_noise ${f.bNoise === null ? '-' : fmt(f.bNoise)}, E_min ${fmt(f.eMin)} examples`);
  }
  if (report.halvingStopsAt !== null) {
    lines.push(`steps to target stopped halving at batch ${report.halvingStopsAt} (scaling efficiency below 0.75 from the batch size before it)`);
  } else if (report.fit) {
    lines.push('steps to target kept nearly halving with each larger batch size measured (scaling efficiency ≥ 0.75)');
  }
  if (report.noiseScale !== null) lines.push(`measured gradient noise scale B_simple: ${fmt(report.noiseScale, 3)} (mean over batch sizes)`);
  for (const e of report.excluded) lines.push(`trial ${e.trialId} left out: ${e.why}`);
  return lines.join('\n');
}
