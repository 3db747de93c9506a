/** `export --format csv`: one row per report of every trial, for spreadsheets, pandas or R. */
import type { JournalView } from '../core/index.ts';

/** A CSV field (RFC 4180 quoting); text that a spreadsheet would run as a formula is prefixed with '. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function journalCsv(view: JournalView): string {
  const extras = [...new Set(view.trials.flatMap((t) => Object.keys(t.params)))].filter((k) => k !== 'batchSize' && k !== 'learningRate');
  const metrics = [...new Set(view.trials.flatMap((t) => t.reports.flatMap((r) => Object.keys(r.metrics))))];
  const header = [
    'trial',
    'state',
    'param_batch_size',
    'param_learning_rate',
    ...extras.map((k) => `param_${k}`),
    'tag',
    'examples',
    'steps',
    'seconds',
    'batch_size',
    'learning_rate',
    ...metrics,
  ];
  const lines = [header.map(field).join(',')];
  for (const t of view.trials) {
    for (const r of t.reports) {
      const row = [
        t.trialId,
        t.state,
        t.params.batchSize,
        t.params.learningRate,
        ...extras.map((k) => t.params[k]),
        t.tag,
        r.progress.examples,
        r.progress.steps,
        r.progress.seconds,
        r.batchSize,
        r.learningRate,
        ...metrics.map((m) => r.metrics[m]),
      ];
      lines.push(row.map(field).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
