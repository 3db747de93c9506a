import type { Objective, TrialSummary } from '../core/index.ts';
import { generalizationGap, throughput } from '../analysis/metrics.ts';
import { formatNumber, renderTable } from './format.ts';

/**
 * The trials of a study as a table: parameters, state, progress, the objective, the train-validation
 * gap and throughput, each read from the trial's last report.
 */
export function trialsTable(trials: readonly TrialSummary[], objective: Objective): string {
  const { header, rows } = trialsTableCells(trials, objective);
  return renderTable(header, rows);
}

/** The trials table as cells (the terminal and the HTML page show the same one). */
export function trialsTableCells(trials: readonly TrialSummary[], objective: Objective): { header: string[]; rows: string[][] } {
  const extras = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].filter((k) => k !== 'batchSize' && k !== 'learningRate');
  const header = ['trial', 'batch', 'lr', ...extras, 'state', 'examples', 'steps', 'seconds', objective.metric, 'gap', 'ex/s'];
  const rows = trials.map((t) => [
    String(t.trialId),
    String(t.batchSize),
    formatNumber(t.learningRate),
    ...extras.map((k) => String(typeof t.params[k] === 'number' ? formatNumber(t.params[k]) : t.params[k])),
    t.state,
    formatNumber(t.progress.examples),
    formatNumber(t.progress.steps),
    formatNumber(t.progress.seconds, 3),
    formatNumber(t.value),
    formatNumber(generalizationGap(t.metrics)),
    formatNumber(throughput(t), 4),
  ]);
  return { header, rows };
}
