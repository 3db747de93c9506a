import { trialsTable } from '../../report/trials-table.ts';
import { parseCommand, requirePositional } from '../args.ts';
import { readJournalFile, whereItStopped } from '../journal-file.ts';

export const usage = 'batchtune show <journal.jsonl> [--json]';

/** A table of the trials a journal recorded, finished or not. */
export async function show(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } }, usage);
  const path = requirePositional(positionals, 'journal.jsonl', usage);
  const view = readJournalFile(path);
  const trials = view.trials.map(({ reports: _reports, ...trial }) => trial);
  if (values.json) {
    const { file } = view;
    const stopped = view.summary
      ? {}
      : {
          stopped: {
            line: file.lines,
            last: view.last,
            inFlight: view.openSegments,
            ...(file.torn ? { torn: file.torn } : {}),
            ...(file.writer ? { writer: file.writer } : {}),
          },
        };
    process.stdout.write(
      `${JSON.stringify({ header: view.header, trainerInfo: view.trainerInfo, trials, finished: view.summary !== undefined, ...stopped }, null, 2)}\n`,
    );
    return 0;
  }
  const { header } = view;
  process.stdout.write(
    `${path}: ${header.strategy} on ${header.trainer}, seed ${header.seed}, ${trials.length} trials${view.summary ? '' : ' (unfinished)'}\n`,
  );
  const stopped = whereItStopped(view);
  if (stopped) process.stdout.write(`${stopped}\n`);
  process.stdout.write(`${trialsTable(trials, header.objective)}\n`);
  if (view.summary?.best) {
    const b = view.summary.best;
    process.stdout.write(`best: trial ${b.trialId} ${b.metric}=${b.value}\n`);
  }
  return 0;
}
