import { BatchtuneError } from '../../index.ts';
import { recommend, type RecommendOptions } from '../../analysis/recommend.ts';
import { bestScheduleRow, scheduleRows } from '../../analysis/schedules.ts';
import { findings } from '../../report/findings.ts';
import { formatBatchSizeReport } from '../../report/recommendation.ts';
import { schedulesTable } from '../../report/schedules-table.ts';
import { parseCount, requirePositional } from '../args.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';
import { readStudyFile, whereItStopped } from '../journal-file.ts';

const options = {
  target: {
    type: 'string',
    value: '<value>',
    description: 'the objective to reach for "fastest to target" (default: from the best trial)',
  },
  metric: { type: 'string', value: '<name>', description: "judge by this metric instead of the study's objective" },
  examples: { type: 'string', value: '<n>', description: 'compare batch sizes at this many examples' },
  json: {
    type: 'boolean',
    short: 'j',
    description: 'print the recommendation, the findings and the per-batch-size rows as JSON on stdout',
  },
  html: { type: 'string', value: '<file>', description: 'write a self-contained page with charts' },
  svg: { type: 'string', value: '<dir>', description: 'write the charts as SVG files into this folder' },
  serve: { type: 'boolean', description: 'serve a live page that follows the journal as it grows' },
  port: { type: 'string', value: '<n>', description: 'the port for --serve (default 8470; 0 picks a free one)' },
  host: { type: 'string', value: '<addr>', description: 'the address for --serve (default 127.0.0.1)' },
} as const satisfies OptionSpecs;

export const reportCommand = defineCommand({
  name: 'report',
  summary:
    'per batch size what a journal measured, and the batch size + learning rate to use; as text, JSON, an HTML page with charts, SVG, or a live page',
  operands: '<journal.jsonl>',
  options,
  run: report,
});

function parseNumber(flag: string, text: string | undefined, check: (n: number) => boolean, rule: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value))
    throw new BatchtuneError('USAGE', `--${flag}: must be ${rule} (got ${JSON.stringify(text)})`);
  return value;
}

/** Per batch size what a journal measured, and a batch size + learning rate for two goals; as text, JSON, an HTML page, SVG charts or a live page. */
async function report(values: OptionValues<typeof options>, positionals: string[]): Promise<number> {
  const path = requirePositional(positionals, 'journal.jsonl', reportCommand.synopsis);
  const target = parseNumber('target', values.target, () => true, 'a number');
  const examples = parseNumber('examples', values.examples, (n) => n > 0, 'a number > 0');
  const recommendOptions: RecommendOptions = {
    ...(values.metric !== undefined ? { metric: values.metric } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(examples !== undefined ? { examples } : {}),
  };
  if (values.serve) {
    const { serveReport } = await import('../../report/serve.ts');
    const port = parseCount('port', values.port, 0) ?? 8470;
    return serveReport(path, () => readStudyFile(path), recommendOptions, { port, host: values.host ?? '127.0.0.1' });
  }
  const study = readStudyFile(path);
  const { view } = study;
  const metric = values.metric;
  if (metric !== undefined && !view.trials.some((t) => t.reports.some((r) => metric in r.metrics))) {
    const known = [...new Set(view.trials.flatMap((t) => t.reports.flatMap((r) => Object.keys(r.metrics))))].sort();
    throw new BatchtuneError(
      'USAGE',
      `--metric: no report of ${path} has ${JSON.stringify(metric)}; known: ${known.join(', ') || '(none)'}`,
    );
  }
  if (values.html !== undefined || values.svg !== undefined) {
    const { writeCharts } = await import('../../report/write-charts.ts');
    const written = await writeCharts(study, recommendOptions, {
      source: path,
      ...(values.html !== undefined ? { html: values.html } : {}),
      ...(values.svg !== undefined ? { svgDir: values.svg } : {}),
    });
    for (const file of written) process.stderr.write(`wrote ${file}\n`);
    return 0;
  }
  const result = recommend(study, recommendOptions);
  const rows = scheduleRows(view.trials);
  if (values.json) {
    const schedules = rows.length ? { schedules: rows, bestSchedule: bestScheduleRow(rows, view.header.objective)?.schedule ?? null } : {};
    process.stdout.write(`${JSON.stringify({ journal: path, ...result, findings: findings(result), ...schedules }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    `${path}: ${view.header.strategy} on ${view.header.trainer}, ${view.trials.length} trials${view.summary ? '' : ' (unfinished)'}\n`,
  );
  const stopped = whereItStopped(view);
  if (stopped) process.stdout.write(`${stopped}\n`);
  if (result.batchSizes.length) process.stdout.write(`${formatBatchSizeReport(result)}\n`);
  if (rows.length) process.stdout.write(`\nschedules (${view.header.objective.metric}):\n${schedulesTable(rows, view.header.objective)}\n`);
  return 0;
}
