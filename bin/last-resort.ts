/**
 * What the process does when something escapes every command's own handling, so that only the
 * documented exit codes ever leave it: a closed stdout (EPIPE) ends quietly with 0; an unhandled
 * rejection or exception prints one line and exits 1; and a command whose promise never settles
 * (a plugin that awaits forever with nothing left to run) exits 1 with a message rather than
 * Node's silent 13 for an unsettled top-level await.
 */
import { errorMessage } from '../core/index.ts';
import { EXIT, isBrokenPipe } from './exit-codes.ts';
import { debugging, stackText } from './failure.ts';

function fatal(kind: string, error: unknown): void {
  const text = debugging() ? stackText(error) : `${errorMessage(error).split('\n')[0] ?? ''} (rerun with --debug for the stack trace)`;
  try {
    process.stderr.write(`batchtune: internal error (${kind}): ${text}\n`);
  } catch {
    // stderr may be the closed pipe itself; then there is nobody to tell.
  }
  process.exit(EXIT.failed);
}

/** Runs a command's promise under the last-resort handlers; sets the exit code when it settles. */
export function runToExit(command: () => Promise<number>): void {
  let settled = false;
  const onPipeError = (error: unknown) => {
    if (isBrokenPipe(error)) process.exit(EXIT.ok);
    fatal('output', error);
  };
  process.stdout.on('error', onPipeError);
  process.stderr.on('error', onPipeError);
  process.on('uncaughtException', (error) => {
    if (isBrokenPipe(error)) process.exit(EXIT.ok);
    fatal('uncaught exception', error);
  });
  process.on('unhandledRejection', (reason) => {
    if (isBrokenPipe(reason)) process.exit(EXIT.ok);
    fatal('unhandled rejection', reason);
  });
  process.on('beforeExit', () => {
    if (settled) return;
    process.stderr.write(
      'batchtune: stopped: the command was still waiting on a promise that can never settle (a plugin hook that never resolves, with nothing left to run)\n',
    );
    process.exit(EXIT.failed);
  });
  command().then(
    (code) => {
      settled = true;
      process.exitCode = code;
    },
    (error: unknown) => {
      settled = true;
      fatal('command', error);
    },
  );
}
