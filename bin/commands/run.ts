import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BatchtuneError, isCoded, runStudy, SearchEvents, type SearchSummary } from '../../index.ts';
import { readJournalFile } from '../journal-file.ts';
import { attachConsoleReporter } from '../../report/console.ts';
import { trialsTable } from '../../report/trials-table.ts';
import { scheduleRows } from '../../analysis/schedules.ts';
import { schedulesTable } from '../../report/schedules-table.ts';
import { formatNumber } from '../../report/format.ts';
import { parseSeed, requirePositional } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import { debugging, expected, stackText } from '../failure.ts';
import { everyTrialFailed } from '../trial-failures.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';
import { readConfigFile } from '../config-file.ts';

const options = {
  journal: { type: 'string', value: '<file>', description: 'the journal to write (default .batchtune/<config>-<time>.jsonl)' },
  resume: { type: 'boolean', short: 'r', description: 'continue the journal given with --journal instead of starting anew' },
  seed: { type: 'string', value: '<n>', description: "the study's seed (default: the config's seed)" },
  json: { type: 'boolean', short: 'j', description: 'print the summary as JSON on stdout (README, "The --json summary")' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr (failures and interruptions are still said)' },
} as const satisfies OptionSpecs;

export const runCommand = defineCommand({
  name: 'run',
  summary: 'run a study (a batch-size search) from a JSON config',
  operands: '<config.json>',
  options,
  notes: [
    'Progress goes to stderr; stdout carries the table of trials and the best (or the JSON summary).',
    'Exit codes: 0 done, 1 the search ended early or every trial failed, 2 bad input, 130 Ctrl-C, 143 SIGTERM.',
  ],
  run,
});

async function run(values: OptionValues<typeof options>, positionals: string[]): Promise<number> {
  const configPath = requirePositional(positionals, 'config.json', runCommand.synopsis);
  const { config, baseDir } = readConfigFile(configPath);
  // --resume continues the journal named; the default journal is always new (runStudy refuses one that is missing).
  if (values.resume && values.journal === undefined)
    throw new BatchtuneError('USAGE', `run: --resume needs --journal <file>: the journal to continue\nusage: ${runCommand.synopsis}`);
  const journal = values.journal ?? defaultJournalPath(configPath);
  mkdirSync(dirname(journal), { recursive: true });

  const events = new SearchEvents();
  // Said once the search starts: a config or plugin that fails its checks writes no journal.
  if (!values.quiet) events.once('searchStart', () => process.stderr.write(`journal: ${journal}\n`));
  const detach = values.quiet ? () => {} : attachConsoleReporter(events);
  // A plugin's failure is one warning line; --debug adds what it threw, with its stack.
  const seen = { unexpected: false };
  events.on('pluginError', ({ error }) => {
    seen.unexpected ||= !expected(error);
    if (debugging()) process.stderr.write(`${stackText(error)}\n`);
  });
  const seed = parseSeed(values.seed);
  const interrupt = new Interruption();
  let summary: SearchSummary;
  try {
    summary = await runStudy(config, {
      baseDir,
      journal,
      resume: values.resume === true,
      ...(seed !== undefined ? { seed } : {}),
      events,
      signal: interrupt.signal,
    });
  } catch (error) {
    detach();
    if (!isCoded(error, 'INTERRUPTED')) throw error;
    // Stopped by Ctrl-C or SIGTERM: what finished is in the journal; show it and how to go on.
    process.stderr.write(`\nbatchtune: interrupted by ${interrupt.received ?? 'a signal'}; nothing recorded is lost\n`);
    const view = readJournalFile(journal);
    if (view.trials.length > 0) process.stderr.write(`${trialsTable(view.trials, view.header.objective)}\n`);
    const again = seed !== undefined ? ` --seed ${seed}` : '';
    process.stderr.write(`resume with: batchtune run ${configPath} --journal ${journal} --resume${again}\n`);
    return interrupt.exitCode;
  } finally {
    interrupt.dispose();
  }

  process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : summaryText(summary));
  if (summary.error !== undefined) {
    process.stderr.write(`batchtune: search ended early: ${summary.error}\n`);
    return EXIT.failed;
  }
  const failed = everyTrialFailed(summary.trials);
  if (failed !== undefined) {
    // Said even with --quiet: a run with no result must not look like one.
    const hint = seen.unexpected && !debugging() ? ' (rerun with --debug for the stack traces)' : '';
    process.stderr.write(`batchtune: ${failed}${hint}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

function summaryText(summary: SearchSummary): string {
  const lines = [`${trialsTable(summary.trials, summary.objective)}\n`];
  const schedules = scheduleRows(summary.trials);
  if (schedules.length > 0) lines.push(`${schedulesTable(schedules, summary.objective)}\n`);
  const best = summary.best;
  lines.push(
    best
      ? `best: trial ${best.trialId} batchSize=${best.params.batchSize} learningRate=${formatNumber(best.params.learningRate)} ${best.metric}=${formatNumber(best.value)} at ${formatNumber(best.resource)} ${summary.resourceUnit}`
      : 'best: none (no trial finished with a finite objective)',
  );
  lines.push(`budget: spent ${formatNumber(summary.budget.spent)} of ${summary.budget.limit} ${summary.budget.unit}\n`);
  return lines.join('\n');
}

/**
 * Ctrl-C (SIGINT) and SIGTERM stop the search cleanly once: the engine abandons the segments in flight and
 * the journal stays resumable. A second signal exits at once.
 */
class Interruption {
  private readonly controller = new AbortController();
  received: NodeJS.Signals | undefined;
  private readonly handler = (signal: NodeJS.Signals) => {
    if (this.received) process.exit(this.exitCode);
    this.received = signal;
    this.controller.abort(signal);
  };

  constructor() {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** 128 + the signal's number, as shells report it. */
  get exitCode(): number {
    return this.received === 'SIGTERM' ? 143 : 130;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}

function defaultJournalPath(configPath: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join('.batchtune', `${basename(configPath, '.json')}-${stamp}.jsonl`);
}
