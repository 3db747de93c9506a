import { at } from './indexed.ts';

/**
 * Every error batchtune raises on purpose, with a stable code. User-facing messages name the
 * field (as a JSON path), the bad value and what is allowed, so the CLI can print one line.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'UNKNOWN_PLUGIN'
  | 'PLUGIN_FAILED'
  | 'PLUGIN_LOAD_FAILED'
  | 'INFEASIBLE'
  | 'DATA_INVALID'
  | 'JOURNAL_MISMATCH'
  | 'JOURNAL_DIVERGED'
  | 'JOURNAL_CORRUPT'
  | 'JOURNAL_LOCKED'
  | 'ILLEGAL_TRANSITION'
  | 'WORKER_LOST'
  | 'PLUGIN_CONTRACT'
  | 'TIMEOUT'
  | 'INTERRUPTED'
  | 'USAGE';

export class BatchtuneError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BatchtuneError';
  }
}

/** Shows a value the way it was written in the config, short. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  // JSON.stringify's type says string, but a toJSON may return undefined.
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? 'nothing' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `path: problem (got value)`: the one shape of every config error. */
export function configError(path: string, problem: string, value?: unknown): BatchtuneError {
  const got = arguments.length >= 3 ? ` (got ${showValue(value)})` : '';
  return new BatchtuneError('CONFIG_INVALID', `${path || '(config)'}: ${problem}${got}`);
}

export function unknownPlugin(kind: string, name: unknown, known: string[], path: string): BatchtuneError {
  const hint = typeof name === 'string' ? didYouMean(name, known) : '';
  return new BatchtuneError('UNKNOWN_PLUGIN', `${path}: unknown ${kind} ${showValue(name)}${hint}; known: ${known.join(', ') || '(none)'}`);
}

/**
 * A training step that cannot run at this batch size (out of memory, allocation failure).
 * The engine marks the trial infeasible and the search goes on.
 */
export class InfeasibleError extends BatchtuneError {
  readonly batchSize: number;
  constructor(batchSize: number, reason: string, options?: { cause?: unknown }) {
    super('INFEASIBLE', `batch size ${batchSize} is infeasible: ${reason}`, options);
    this.batchSize = batchSize;
  }
}

/** A plugin hook that threw, stamped with the plugin and hook (as Rollup's PluginDriver does). */
export class PluginError extends BatchtuneError {
  readonly plugin: string;
  readonly hook: string;
  constructor(plugin: string, hook: string, cause: unknown) {
    super('PLUGIN_FAILED', `${plugin} failed in ${hook}: ${errorMessage(cause)}`, { cause });
    this.plugin = plugin;
    this.hook = hook;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** ` (did you mean "x"?)` when a close name exists, else empty. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  const allowed = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= allowed ? ` (did you mean ${JSON.stringify(best)}?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = at(previous, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(at(previous, j) + 1, at(current, j - 1) + 1, substitution);
    }
    previous = current;
  }
  return at(previous, b.length);
}
