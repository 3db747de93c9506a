/**
 * The CLI's exit codes, in one place (documented in the README, "Exit codes"):
 * 0 success; 1 the search or a command failed (every trial failed included); 2 bad input (config,
 * data files, usage); 130 stopped by SIGINT; 143 stopped by SIGTERM.
 */
import { BatchtuneError, type ErrorCode } from '../core/index.ts';

export const EXIT = { ok: 0, failed: 1, badInput: 2, sigint: 130, sigterm: 143 } as const;

/**
 * Errors the user fixes in what they gave: the config, a file it names (data, a journal that is damaged,
 * locked by another writer, or written by another config), the command line.
 */
const BAD_INPUT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFIG_INVALID',
  'UNKNOWN_PLUGIN',
  'USAGE',
  'PLUGIN_LOAD_FAILED',
  'DATA_INVALID',
  'JOURNAL_LOCKED',
  'JOURNAL_CORRUPT',
  'JOURNAL_MISMATCH',
]);

/**
 * The exit code for an error that ended a command: 2 when it, or what caused it, is bad input (a
 * trainer's `prepare` that finds a ragged CSV fails as a PluginError caused by DATA_INVALID), else 1.
 */
export function exitCodeFor(error: unknown): number {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof BatchtuneError && BAD_INPUT.has(e.code)) return EXIT.badInput;
  }
  return EXIT.failed;
}

/** True for the error a write to a closed pipe raises (`batchtune show j | head -1`). */
export function isBrokenPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EPIPE';
}
