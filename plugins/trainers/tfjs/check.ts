/** Config checks beyond the schema: the files the options name exist, and the model fits the data. */
import fs from 'node:fs';
import path from 'node:path';
import { configError } from '../../../core/errors.ts';
import type { PluginEnvironment } from '../../../core/plugin.ts';
import type { TfjsOptions } from './options.ts';

/** The files the options name (data, test data, a model module), by field. */
export function namedFiles(options: TfjsOptions): Array<[field: string, file: string]> {
  const files: Array<[string, string | undefined]> = [];
  const data = options.data;
  switch (data.type) {
    case 'idx':
      files.push(
        ['data.images', data.images],
        ['data.labels', data.labels],
        ['data.test.images', data.test?.images],
        ['data.test.labels', data.test?.labels],
      );
      break;
    case 'csv':
    case 'module':
      files.push(['data.path', data.path], ['data.test', data.test]);
      break;
  }
  if (options.model.type === 'module') files.push(['model.path', options.model.path]);
  return files.filter((entry): entry is [string, string] => entry[1] !== undefined);
}

export function checkOptions(options: TfjsOptions, env: PluginEnvironment, at: string): void {
  const data = options.data;
  for (const [field, file] of namedFiles(options)) {
    const absolute = path.resolve(env.baseDir, file);
    if (!fs.existsSync(absolute)) throw configError(`${at}.${field}`, 'file not found', file);
    if (!fs.statSync(absolute).isFile()) throw configError(`${at}.${field}`, 'is not a file', file);
  }
  if (options.model.type === 'cnn' && data.type === 'csv') {
    throw configError(
      `${at}.model.type`,
      'a cnn needs image data (data.type "mnist", "idx" or a module giving image tensors), not csv rows',
      'cnn',
    );
  }
}
