import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BatchtuneError } from '../core/index.ts';

/** parseArgs with batchtune's usage errors: one line naming the flag, exit code 2. */
export function parseCommand<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true } as const);
  } catch (error) {
    throw new BatchtuneError('USAGE', `${(error as Error).message}\nusage: ${usage}`);
  }
}

export function requirePositional(positionals: string[], name: string, usage: string): string {
  const value = positionals[0];
  if (!value) throw new BatchtuneError('USAGE', `missing <${name}>\nusage: ${usage}`);
  if (positionals.length > 1) throw new BatchtuneError('USAGE', `unexpected argument ${JSON.stringify(positionals[1])}\nusage: ${usage}`);
  return value;
}

/** A whole number >= `min` from a flag, or a usage error naming the flag; undefined when not given. */
export function parseCount(flag: string, text: string | undefined, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new BatchtuneError('USAGE', `--${flag}: must be a whole number >= ${min} (got ${JSON.stringify(text)})`);
  }
  return value;
}

export function parseSeed(text: string | undefined): number | undefined {
  return parseCount('seed', text, 0);
}
