import { BatchtuneError } from '../core/index.ts';

/** The one operand of a command (`<config.json>`), or a usage error followed by the command's synopsis. */
export function requirePositional(positionals: string[], name: string, synopsis: string): string {
  const value = positionals[0];
  if (!value) throw new BatchtuneError('USAGE', `missing <${name}>\nusage: ${synopsis}`);
  if (positionals.length > 1)
    throw new BatchtuneError('USAGE', `unexpected argument ${JSON.stringify(positionals[1])}\nusage: ${synopsis}`);
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
