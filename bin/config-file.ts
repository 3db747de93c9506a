import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BatchtuneError } from '../core/index.ts';

/** Reads a JSON config file; relative paths inside it resolve against its folder. */
export function readConfigFile(path: string): { config: unknown; baseDir: string } {
  const full = resolve(path);
  if (!existsSync(full)) throw new BatchtuneError('USAGE', `${path}: config file not found`);
  try {
    return { config: JSON.parse(readFileSync(full, 'utf8')), baseDir: dirname(full) };
  } catch (error) {
    throw new BatchtuneError('CONFIG_INVALID', `${path}: not valid JSON: ${(error as Error).message}`);
  }
}
