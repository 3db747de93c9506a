import type { Objective } from '../core/index.ts';
import { generalizationGap } from '../analysis/metrics.ts';
import { bestScheduleRow, type ScheduleRow } from '../analysis/schedules.ts';
import { formatNumber, renderTable } from './format.ts';

/** A table of schedules: final settings, examples, steps, seconds, the objective and the gap. */
export function schedulesTable(rows: readonly ScheduleRow[], objective: Objective): string {
  const extra = ['val_loss', 'train_loss'].filter((m) => m !== objective.metric && rows.some((r) => typeof r.metrics[m] === 'number'));
  const header = [
    'schedule',
    'trial',
    'state',
    'final batch',
    'final lr',
    'examples',
    'steps',
    'steps saved',
    'seconds',
    objective.metric,
    ...extra,
    'gap',
  ];
  const body = rows.map((r) => [
    r.schedule,
    String(r.trialId),
    r.state,
    String(r.batchSize),
    formatNumber(r.learningRate),
    formatNumber(r.examples),
    formatNumber(r.steps),
    r.stepsSaved === null ? '-' : `${Math.round(r.stepsSaved * 100)}%`,
    formatNumber(r.seconds, 3),
    formatNumber(r.value),
    ...extra.map((m) => formatNumber(r.metrics[m])),
    formatNumber(generalizationGap(r.metrics)),
  ]);
  const best = bestScheduleRow(rows, objective);
  const line = best
    ? `best: ${best.schedule} (trial ${best.trialId}) ${objective.metric}=${formatNumber(best.value)} in ${best.steps} steps, ${formatNumber(best.seconds, 3)} s`
    : 'best: none (no schedule finished with a finite objective)';
  return `${renderTable(header, body)}\n${line}`;
}
