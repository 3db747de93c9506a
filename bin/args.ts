import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BatchtuneError } from '../core/index.ts';

/** parseArgs with batchtune's usage errors: one line naming the flag, exit code 2. */
export function parseCommand<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
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

export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0) throw new BatchtuneError('USAGE', `--seed: must be a whole number >= 0 (got ${JSON.stringify(text)})`);
  return seed;
}
