import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { configError } from '../../core/errors.ts';
import type { Params } from '../../core/params.ts';
import { formatAjvErrors } from '../../core/validate.ts';
import { at } from '../../core/indexed.ts';

/** One recorded point of a learning curve. */
export interface CurvePoint {
  examples: number;
  steps: number;
  seconds: number;
  metrics: Record<string, number | null>;
}

/**
 * The tabular format: recorded learning curves, one list of curves (one per seed) per configuration.
 * Other tools produce it; `batchtune record` writes it from real training.
 */
export interface TabularFile {
  name: string;
  metric: string;
  mode: 'min' | 'max';
  configs: Array<{ params: Params; curves: CurvePoint[][] }>;
  /** Free-form facts about how the file was made (backend, machine, command). */
  meta?: Record<string, unknown>;
}

const point = {
  type: 'object',
  required: ['examples', 'steps', 'seconds', 'metrics'],
  properties: {
    examples: { type: 'number', minimum: 0 },
    steps: { type: 'number', minimum: 0 },
    seconds: { type: 'number', minimum: 0 },
    metrics: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
  },
};

const tabularFileSchema = {
  type: 'object',
  required: ['metric', 'mode', 'configs'],
  properties: {
    name: { type: 'string' },
    metric: { type: 'string', minLength: 1 },
    mode: { enum: ['min', 'max'] },
    meta: { type: 'object' },
    configs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['params', 'curves'],
        properties: {
          params: {
            type: 'object',
            required: ['batchSize', 'learningRate'],
            properties: { batchSize: { type: 'integer', minimum: 1 }, learningRate: { type: 'number' } },
            additionalProperties: { type: ['number', 'string', 'boolean'] },
          },
          curves: { type: 'array', minItems: 1, items: { type: 'array', minItems: 1, items: point } },
        },
      },
    },
  },
};

const validateFile = new Ajv({ allErrors: true, verbose: true, strict: false }).compile(tabularFileSchema);

const cache = new Map<string, TabularFile>();

/** Reads and checks a tabular file; errors name the config field, the file and the bad place in it. */
export function loadTabularFile(file: string, baseDir: string, path: string): TabularFile {
  const full = resolve(baseDir, file);
  const cached = cache.get(full);
  if (cached) return cached;
  if (!existsSync(full)) throw configError(path, `file not found: ${full}`, file);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(full, 'utf8'));
  } catch (error) {
    throw configError(path, `${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!validateFile(data)) {
    const inner = formatAjvErrors(validateFile.errors ?? [], '');
    throw configError(path, `${file}: ${inner.message}`);
  }
  const table = data as unknown as TabularFile;
  for (const [i, config] of table.configs.entries()) {
    for (const [j, curve] of config.curves.entries()) {
      for (let k = 1; k < curve.length; k++) {
        const point = at(curve, k);
        const previous = at(curve, k - 1);
        const unit = (['examples', 'steps', 'seconds'] as const).find((u) => point[u] < previous[u]);
        if (unit) {
          const field = `configs[${i}].curves[${j}][${k}].${unit}`;
          throw configError(
            path,
            `${file}: ${field} goes backwards (${point[unit]} after ${previous[unit]}); points must be cumulative and in order`,
          );
        }
      }
    }
  }
  cache.set(full, table);
  return table;
}
