/**
 * How an error that ended a command is shown. By default one line: the message, which batchtune's
 * own errors write for the user; an unexpected error (a bug, a plugin's own exception) adds a hint to
 * rerun with --debug. With --debug, the stack trace and every cause.
 */
import { inspect } from 'node:util';
import { BatchtuneError, isCoded } from '../core/index.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';

let debug = false;

/** Set once from the command line; the last-resort handlers (bin/last-resort.ts) read it too. */
export function setDebug(on: boolean): void {
  debug = on;
}

export function debugging(): boolean {
  return debug;
}

/** True when the error and every cause are batchtune's own: a message meant for the user, nothing to debug. */
export function expected(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e !== undefined && depth < 10; depth++) {
    if (!(e instanceof BatchtuneError)) return false;
    e = e.cause;
  }
  return true;
}

/** The stack and causes of an error, as Node prints them. */
export function stackText(error: unknown): string {
  return inspect(error, { depth: 10 });
}

/** What stderr gets for an error that ended a command: `batchtune: ...` and a newline. */
export function failureText(error: unknown): string {
  // Bad input (exit 2) is the user's to fix from the message alone: one line, with or without --debug.
  const badInput = exitCodeFor(error) === EXIT.badInput;
  if (debug && !badInput) return `batchtune: ${stackText(error)}\n`;
  const message = error instanceof Error ? error.message : String(error);
  // A usage error keeps the usage line it carries; anything else is one line.
  const text = isCoded(error, 'USAGE') ? message : (message.split('\n')[0] ?? '');
  return badInput || expected(error) ? `batchtune: ${text}\n` : `batchtune: ${text} (unexpected: rerun with --debug for the stack trace)\n`;
}
