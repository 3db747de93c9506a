import { BatchtuneError, errorMessage, isCoded } from '../core/index.ts';
import { exitCodeFor, EXIT, isBrokenPipe } from './exit-codes.ts';
import { run, usage as runUsage } from './commands/run.ts';
import { record, usage as recordUsage } from './commands/record.ts';
import { report, usage as reportUsage } from './commands/report.ts';
import { exportJournal, usage as exportUsage } from './commands/export.ts';
import { profile, usage as profileUsage } from './commands/profile.ts';
import { noiseScale, usage as noiseScaleUsage } from './commands/noise-scale.ts';
import { schema, usage as schemaUsage } from './commands/schema.ts';
import { show, usage as showUsage } from './commands/show.ts';
import { validate, usage as validateUsage } from './commands/validate.ts';
import { worker, usage as workerUsage } from './commands/worker.ts';

type Command = { run: (args: string[]) => Promise<number>; usage: string; summary: string };

/** Every command, by name. Later commands (record, report, profile, noise-scale) register here. */
export const commands: Record<string, Command> = {
  run: { run, usage: runUsage, summary: 'run a study (a batch-size search) from a JSON config' },
  validate: { run: validate, usage: validateUsage, summary: 'check a config without training' },
  show: { run: show, usage: showUsage, summary: 'print the trials a journal recorded' },
  schema: { run: schema, usage: schemaUsage, summary: 'print the JSON Schema of configs' },
  'noise-scale': {
    run: noiseScale,
    usage: noiseScaleUsage,
    summary: 'train one configuration and measure the gradient noise scale B_simple (critical batch size)',
  },
  profile: {
    run: profile,
    usage: profileUsage,
    summary: 'throughput per batch size on the actual backend, and the largest batch that fits in memory',
  },
  report: {
    run: report,
    usage: reportUsage,
    summary:
      'per batch size what a journal measured, and the batch size + learning rate to use; as text, JSON, an HTML page with charts, SVG, or a live page',
  },
  export: {
    run: exportJournal,
    usage: exportUsage,
    summary: "a journal as CSV (one row per report) or in Optuna's JournalFileStorage format",
  },
  record: {
    run: record,
    usage: recordUsage,
    summary: 'train the full grid with several seeds and write the learning curves as a tabular file',
  },
  worker: { run: worker, usage: workerUsage, summary: 'train segments for studies whose executor is redis, until SIGINT or SIGTERM' },
};

function help(): string {
  const lines = Object.values(commands).map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `batchtune: find the best batch size under a compute budget\n\n${lines.join('\n')}\n`;
}

/** Runs the CLI. Exit codes (bin/exit-codes.ts): 0 success, 1 the search or a command failed, 2 bad input. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`batchtune: unknown command ${JSON.stringify(name)}; known: ${Object.keys(commands).join(', ')}\n`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    // The reader of our output went away (`| head -1`): nothing is wrong, and nobody is left to tell.
    if (isBrokenPipe(error)) return EXIT.ok;
    const message = error instanceof BatchtuneError ? error.message : errorMessage(error);
    // One line; a usage error keeps the usage it carries.
    process.stderr.write(`batchtune: ${isCoded(error, 'USAGE') ? message : message.split('\n')[0]}\n`);
    return exitCodeFor(error);
  }
}
