import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { runStudy, SearchEvents } from '../../index.ts';
import { attachConsoleReporter } from '../../report/console.ts';
import { trialsTable } from '../../report/trials-table.ts';
import { scheduleRows } from '../../analysis/schedules.ts';
import { schedulesTable } from '../../report/schedules-table.ts';
import { formatNumber } from '../../report/format.ts';
import { parseCommand, parseSeed, requirePositional } from '../args.ts';
import { readConfigFile } from '../config-file.ts';

export const usage = 'batchtune run <config.json> [--journal <file>] [--resume] [--seed <n>] [--json] [--quiet]';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { journal: { type: 'string' }, resume: { type: 'boolean' }, seed: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean' } },
    usage,
  );
  const configPath = requirePositional(positionals, 'config.json', usage);
  const { config, baseDir } = readConfigFile(configPath);
  const journal = (values.journal as string | undefined) ?? defaultJournalPath(configPath);
  mkdirSync(dirname(journal), { recursive: true });

  const events = new SearchEvents();
  if (!values.quiet) {
    attachConsoleReporter(events);
    process.stderr.write(`journal: ${journal}\n`);
  }
  const summary = await runStudy(config, { baseDir, journal, resume: Boolean(values.resume), seed: parseSeed(values.seed as string | undefined), events });

  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(`${trialsTable(summary.trials, summary.objective)}\n\n`);
    const schedules = scheduleRows(summary.trials);
    if (schedules.length > 0) process.stdout.write(`${schedulesTable(schedules, summary.objective)}\n\n`);
    const best = summary.best;
    process.stdout.write(
      best
        ? `best: trial ${best.trialId} batchSize=${best.params.batchSize} learningRate=${formatNumber(best.params.learningRate)} ${best.metric}=${formatNumber(best.value)} at ${formatNumber(best.resource)} ${summary.resourceUnit}\n`
        : 'best: none (no trial finished with a finite objective)\n',
    );
    process.stdout.write(`budget: spent ${formatNumber(summary.budget.spent)} of ${summary.budget.limit} ${summary.budget.unit}\n`);
  }
  if (summary.error) {
    process.stderr.write(`batchtune: search ended early: ${summary.error}\n`);
    return 1;
  }
  return 0;
}

function defaultJournalPath(configPath: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join('.batchtune', `${basename(configPath, '.json')}-${stamp}.jsonl`);
}
