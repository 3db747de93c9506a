/**
 * What every data source returns: examples as rows of numbers, before any split or tensor.
 * Classification targets are class ids (one column); regression targets are one or more columns.
 */
import { BatchtuneError } from '../../../../core/errors.ts';
import { at } from '../../../../core/indexed.ts';

export interface Table {
  /** Row-major features, `rows × features`. */
  x: Float32Array;
  /** Row-major targets, `rows × targets`. */
  y: Float32Array;
  rows: number;
  /** The shape of one example's features (e.g. [28, 28, 1] for an image; [features] otherwise). */
  shape: number[];
  /** Target columns per row (1 for class ids). */
  targets: number;
  /** Where it came from, for messages and the summary (e.g. `mnist`, `./train.csv`). */
  source: string;
}

export function featuresOf(table: Pick<Table, 'shape'>): number {
  return table.shape.reduce((a, b) => a * b, 1);
}

export function dataError(message: string): BatchtuneError {
  return new BatchtuneError('DATA_INVALID', message);
}

/**
 * Turns one-hot target rows into class ids and checks that every class id is a non-negative
 * integer; returns the ids. `path` names the config field in messages.
 */
export function classIds(table: Table, path: string): Int32Array {
  const ids = new Int32Array(table.rows);
  for (let r = 0; r < table.rows; r++) {
    if (table.targets === 1) {
      const v = at(table.y, r);
      if (!Number.isInteger(v) || v < 0) {
        throw dataError(`${path}: row ${r + 1} of ${table.source} has label ${v}; classification needs integer classes 0, 1, 2, ...`);
      }
      ids[r] = v;
    } else {
      let best = 0;
      for (let c = 1; c < table.targets; c++) if (at(table.y, r * table.targets + c) > at(table.y, r * table.targets + best)) best = c;
      ids[r] = best;
    }
  }
  return ids;
}
