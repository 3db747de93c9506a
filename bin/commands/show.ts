import { trialsTable } from '../../report/trials-table.ts';
import { requirePositional } from '../args.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';
import { readJournalFile, whereItStopped } from '../journal-file.ts';

const options = {
  json: {
    type: 'boolean',
    short: 'j',
    description: 'print {"header", "trainerInfo", "trials", "finished", "stopped"} on stdout (stopped: where an unfinished journal ends)',
  },
} as const satisfies OptionSpecs;

export const showCommand = defineCommand({
  name: 'show',
  summary: 'print the trials a journal recorded (finished or not) and where an unfinished one stops',
  operands: '<journal.jsonl>',
  options,
  run: (values, positionals) => Promise.resolve(show(values, positionals)),
});

/** A table of the trials a journal recorded, finished or not. */
function show(values: OptionValues<typeof options>, positionals: string[]): number {
  const path = requirePositional(positionals, 'journal.jsonl', showCommand.synopsis);
  const view = readJournalFile(path);
  const trials = view.trials.map(withoutReports);
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

/** A trial without its reports (a journal holds thousands): what show prints. */
function withoutReports<T extends { reports: unknown }>(trial: T): Omit<T, 'reports'> {
  return Object.fromEntries(Object.entries(trial).filter(([key]) => key !== 'reports')) as Omit<T, 'reports'>;
}
