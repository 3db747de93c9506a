import { BatchtuneError } from '../../index.ts';
import { recommend, type RecommendOptions } from '../../analysis/recommend.ts';
import { bestScheduleRow, scheduleRows } from '../../analysis/schedules.ts';
import { findings } from '../../report/findings.ts';
import { formatBatchSizeReport } from '../../report/recommendation.ts';
import { schedulesTable } from '../../report/schedules-table.ts';
import { parseCommand, parseCount, requirePositional } from '../args.ts';
import { readStudyFile, whereItStopped } from '../journal-file.ts';

export const usage =
  'batchtune report <journal.jsonl> [--target <value>] [--metric <name>] [--examples <n>] [--json] [--html <file>] [--svg <dir>] [--serve] [--port <n>] [--host <addr>]';

function parseNumber(flag: string, text: string | undefined, check: (n: number) => boolean, rule: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value))
    throw new BatchtuneError('USAGE', `--${flag}: must be ${rule} (got ${JSON.stringify(text)})`);
  return value;
}

/** Per batch size what a journal measured, and a batch size + learning rate for two goals; as text, JSON, an HTML page, SVG charts or a live page. */
export async function report(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      target: { type: 'string' },
      metric: { type: 'string' },
      examples: { type: 'string' },
      json: { type: 'boolean' },
      html: { type: 'string' },
      svg: { type: 'string' },
      serve: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
    },
    usage,
  );
  const path = requirePositional(positionals, 'journal.jsonl', usage);
  const options: RecommendOptions = {
    metric: values.metric,
    target: parseNumber('target', values.target, () => true, 'a number'),
    examples: parseNumber('examples', values.examples, (n) => n > 0, 'a number > 0'),
  };
  if (values.serve) {
    const { serveReport } = await import('../../report/serve.ts');
    const port = parseCount('port', values.port, 0) ?? 8470;
    return serveReport(path, () => readStudyFile(path), options, { port, host: values.host ?? '127.0.0.1' });
  }
  const study = readStudyFile(path);
  const { view } = study;
  const metric = options.metric;
  if (metric !== undefined && !view.trials.some((t) => t.reports.some((r) => metric in r.metrics))) {
    const known = [...new Set(view.trials.flatMap((t) => t.reports.flatMap((r) => Object.keys(r.metrics))))].sort();
    throw new BatchtuneError(
      'USAGE',
      `--metric: no report of ${path} has ${JSON.stringify(metric)}; known: ${known.join(', ') || '(none)'}`,
    );
  }
  if (values.html !== undefined || values.svg !== undefined) {
    const { writeCharts } = await import('../../report/write-charts.ts');
    const written = await writeCharts(study, options, {
      source: path,
      html: values.html,
      svgDir: values.svg,
    });
    for (const file of written) process.stderr.write(`wrote ${file}\n`);
    return 0;
  }
  const result = recommend(study, options);
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
