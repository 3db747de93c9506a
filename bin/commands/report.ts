import { BatchtuneError } from '../../index.ts';
import { formatBatchSizeReport } from '../../plugins/reporters/recommendation.ts';
import { bestScheduleRow, scheduleRows, schedulesTable } from '../../plugins/reporters/schedules-table.ts';
import { recommend } from '../../plugins/science/recommend.ts';
import { parseCommand, requirePositional } from '../args.ts';
import { readJournalFile } from '../journal-file.ts';

export const usage = 'batchtune report <journal.jsonl> [--target <value>] [--metric <name>] [--examples <n>] [--json]';

function parseNumber(flag: string, text: string | undefined, check: (n: number) => boolean, rule: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) throw new BatchtuneError('USAGE', `--${flag}: must be ${rule} (got ${JSON.stringify(text)})`);
  return value;
}

/** Per batch size what a journal measured, and a batch size + learning rate for two goals. */
export async function report(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { target: { type: 'string' }, metric: { type: 'string' }, examples: { type: 'string' }, json: { type: 'boolean' } },
    usage,
  );
  const path = requirePositional(positionals, 'journal.jsonl', usage);
  const view = readJournalFile(path);
  const metric = values.metric as string | undefined;
  if (metric !== undefined && !view.trials.some((t) => t.reports.some((r) => metric in r.metrics))) {
    const known = [...new Set(view.trials.flatMap((t) => t.reports.flatMap((r) => Object.keys(r.metrics))))].sort();
    throw new BatchtuneError('USAGE', `--metric: no report of ${path} has ${JSON.stringify(metric)}; known: ${known.join(', ') || '(none)'}`);
  }
  const result = recommend(view, {
    metric,
    target: parseNumber('target', values.target as string | undefined, () => true, 'a number'),
    examples: parseNumber('examples', values.examples as string | undefined, (n) => n > 0, 'a number > 0'),
  });
  const rows = scheduleRows(view.trials);
  if (values.json) {
    const schedules = rows.length ? { schedules: rows, bestSchedule: bestScheduleRow(rows, view.header.objective)?.schedule ?? null } : {};
    process.stdout.write(`${JSON.stringify({ journal: path, ...result, ...schedules }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${path}: ${view.header.strategy} on ${view.header.trainer}, ${view.trials.length} trials${view.summary ? '' : ' (unfinished)'}\n`);
  if (result.batchSizes.length) process.stdout.write(`${formatBatchSizeReport(result)}\n`);
  if (rows.length) process.stdout.write(`\nschedules (${view.header.objective.metric}):\n${schedulesTable(rows, view.header.objective)}\n`);
  return 0;
}
