import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CurvePoint, TabularFile } from '../../plugins/trainers/tabular-file.ts';

export function tempDir(prefix = 'batchtune-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `body` as JSON to `dir/name` (a config, a table) and returns the path. */
export function writeJson(dir: string, name: string, body: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

/**
 * A curve of `points` evenly spaced points up to `examples`, with `metric(fraction)` as the value;
 * steps follow the batch size and seconds follow `secondsPerExample`.
 */
export function curve(
  batchSize: number,
  examples: number,
  points: number,
  metric: (fraction: number) => Record<string, number | null>,
  secondsPerExample = 0.001,
): CurvePoint[] {
  return Array.from({ length: points }, (_, i) => {
    const e = (examples * (i + 1)) / points;
    return {
      examples: e,
      steps: Math.ceil(e / batchSize),
      seconds: +(e * secondsPerExample).toFixed(6),
      metrics: metric((i + 1) / points),
    };
  });
}

export function writeTabular(dir: string, table: TabularFile, name = 'curves.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(table));
  return path;
}

/** Four batch sizes whose final val_acc is known: 32 wins, 8 second, 128 third, 512 last. */
export function knownTable(): TabularFile {
  const finals: Record<number, number> = { 8: 0.9, 32: 0.95, 128: 0.85, 512: 0.7 };
  return {
    name: 'known',
    metric: 'val_acc',
    mode: 'max',
    configs: Object.entries(finals).map(([b, final]) => ({
      params: { batchSize: Number(b), learningRate: 0.1 },
      curves: [curve(Number(b), 10000, 5, (f) => ({ val_acc: final * f, val_loss: 1 - final * f }), 0.001 / Math.sqrt(Number(b)))],
    })),
  };
}
