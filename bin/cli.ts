import { BatchtuneError, didYouMean } from '../core/index.ts';
import type { Command } from './command.ts';
import { exitCodeFor, EXIT, isBrokenPipe } from './exit-codes.ts';
import { failureText, setDebug } from './failure.ts';
import { packageVersion } from './version.ts';
import { runCommand } from './commands/run.ts';
import { recordCommand } from './commands/record.ts';
import { reportCommand } from './commands/report.ts';
import { exportCommand } from './commands/export.ts';
import { profileCommand } from './commands/profile.ts';
import { noiseScaleCommand } from './commands/noise-scale.ts';
import { schemaCommand } from './commands/schema.ts';
import { showCommand } from './commands/show.ts';
import { validateCommand } from './commands/validate.ts';
import { workerCommand } from './commands/worker.ts';

/** Every command, in the order `batchtune --help` lists them. */
const COMMANDS: readonly Command[] = [
  runCommand,
  validateCommand,
  showCommand,
  schemaCommand,
  noiseScaleCommand,
  profileCommand,
  reportCommand,
  exportCommand,
  recordCommand,
  workerCommand,
];
const byName = new Map(COMMANDS.map((c) => [c.name, c]));

function overview(): string {
  const lines = COMMANDS.map((c) => `  ${c.synopsis}\n      ${c.summary}`);
  return [
    'usage: batchtune <command> [options]',
    '',
    'batchtune: find the best batch size under a compute budget',
    '',
    'commands:',
    ...lines,
    '',
    'batchtune <command> --help (or batchtune help <command>) shows a command and its options.',
    'Every command takes --debug (stack traces of unexpected errors) and -h/--help; batchtune -V/--version prints the version.',
    'Exit codes: 0 success, 1 the search or command failed, 2 bad input, 130 Ctrl-C, 143 SIGTERM.',
    '',
  ].join('\n');
}

function lookup(name: string): Command {
  const command = byName.get(name);
  if (command) return command;
  const known = COMMANDS.map((c) => c.name);
  throw new BatchtuneError('USAGE', `unknown command ${JSON.stringify(name)}${didYouMean(name, known)}; known: ${known.join(', ')}`);
}

/** Runs the CLI. Exit codes (bin/exit-codes.ts): 0 success, 1 the search or a command failed, 2 bad input. */
export async function main(argv: string[]): Promise<number> {
  // Options before the command name apply to the whole run: `batchtune --debug run x.json`.
  const leading = argv.findIndex((a) => !a.startsWith('-'));
  const globals = leading < 0 ? argv : argv.slice(0, leading);
  setDebug(globals.includes('--debug'));
  const args = leading < 0 ? [] : argv.slice(leading);
  const name = args.shift();
  try {
    if (globals.includes('--version') || globals.includes('-V')) {
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    const unknown = globals.find((a) => !['--debug', '--help', '-h'].includes(a));
    if (unknown !== undefined) throw new BatchtuneError('USAGE', `unknown option ${unknown}; before a command: --help, --version, --debug`);
    if (name === undefined || name === 'help') {
      const topic = args.at(0);
      process.stdout.write(topic === undefined ? overview() : lookup(topic).help());
      // `batchtune` alone (or with only --debug) is a usage error; asking for help is not.
      const asked = name === 'help' || globals.includes('--help') || globals.includes('-h');
      return asked ? EXIT.ok : EXIT.badInput;
    }
    const command = lookup(name);
    if (globals.includes('--help') || globals.includes('-h')) {
      process.stdout.write(command.help());
      return EXIT.ok;
    }
    const parsed = command.parse(args);
    if (parsed.debug) setDebug(true);
    if (parsed.help) {
      process.stdout.write(command.help());
      return EXIT.ok;
    }
    return await parsed.run();
  } catch (error) {
    // The reader of our output went away (`| head -1`): nothing is wrong, and nobody is left to tell.
    if (isBrokenPipe(error)) return EXIT.ok;
    process.stderr.write(failureText(error));
    return exitCodeFor(error);
  }
}
