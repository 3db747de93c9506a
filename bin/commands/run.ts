import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isCoded, runStudy, SearchEvents, type SearchSummary } from '../../index.ts';
import { readJournalFile } from '../journal-file.ts';
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
    {
      journal: { type: 'string' },
      resume: { type: 'boolean' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
    usage,
  );
  const configPath = requirePositional(positionals, 'config.json', usage);
  const { config, baseDir } = readConfigFile(configPath);
  const journal = values.journal ?? defaultJournalPath(configPath);
  mkdirSync(dirname(journal), { recursive: true });

  const events = new SearchEvents();
  const detach = values.quiet ? () => {} : attachConsoleReporter(events);
  if (!values.quiet) process.stderr.write(`journal: ${journal}\n`);
  const seed = values.seed;
  const interrupt = new Interruption();
  let summary: SearchSummary;
  try {
    summary = await runStudy(config, {
      baseDir,
      journal,
      resume: Boolean(values.resume),
      seed: parseSeed(seed),
      events,
      signal: interrupt.signal,
    });
  } catch (error) {
    detach();
    if (!isCoded(error, 'INTERRUPTED')) throw error;
    // Stopped by Ctrl-C or SIGTERM: what finished is in the journal; show it and how to go on.
    process.stderr.write(`\nbatchtune: interrupted by ${interrupt.received}; nothing recorded is lost\n`);
    const view = readJournalFile(journal);
    if (view.trials.length > 0) process.stderr.write(`${trialsTable(view.trials, view.header.objective)}\n`);
    process.stderr.write(`resume with: batchtune run ${configPath} --journal ${journal} --resume${seed ? ` --seed ${seed}` : ''}\n`);
    return interrupt.exitCode;
  } finally {
    interrupt.dispose();
  }

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
  const ended = summary.trials.filter((t) => t.state === 'failed' || t.state === 'infeasible');
  if (summary.trials.length > 0 && ended.length === summary.trials.length) {
    // Said even with --quiet: a run with no result must not look like one.
    process.stderr.write(
      `batchtune: every trial failed (${ended.length}); trial ${ended[0].trialId}: ${ended[0].reason ?? ended[0].state}\n`,
    );
    return 1;
  }
  return 0;
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
