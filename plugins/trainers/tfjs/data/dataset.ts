/**
 * The data every trial of a search shares: loaded once, split by the search seed (so every trial
 * sees the same split). Classification targets become one-hot rows. Splits stay in host memory:
 * batches are cut there and uploaded per step (the wasm backend's gather kernel is ~50× slower
 * than copying rows in JavaScript), so the dataset holds no tensors.
 */
import path from 'node:path';
import { createRng } from '../../../../core/rng.ts';
import type { DataOptions, Task } from '../options.ts';
import { loadCsv } from './csv.ts';
import { loadIdx } from './idx.ts';
import { loadMnist } from './mnist.ts';
import { loadModuleData } from './module.ts';
import { classIds, dataError, featuresOf, type Table } from './table.ts';
import { at } from '../../../../core/indexed.ts';

/** Where the data options sit in the config, for messages. */
const DATA_FIELD = 'trainer.data';

export interface Split {
  /** `rows × features`, row-major and flat: models reshape when they need an image. */
  x: Float32Array;
  /** `rows × outputs`: one-hot for classification, targets for regression. */
  y: Float32Array;
  rows: number;
}

export interface Dataset {
  train: Split;
  validation: Split;
  test?: Split | undefined;
  /** The shape of one example (e.g. [28, 28, 1]). */
  shape: number[];
  features: number;
  /** Width of the model's output: the class count, or the number of regression targets. */
  outputs: number;
  classes?: number | undefined;
  source: string;
}

/** The rows each split takes from the main table, drawn by a seeded permutation. */
function splitRows(
  rows: number,
  want: { train?: number | undefined; validation?: number | undefined; test?: number | undefined },
  seed: number,
  source: string,
): {
  train: Int32Array;
  validation: Int32Array;
  test?: Int32Array;
} {
  const extra = want.test ?? 0;
  const validation = want.validation ?? Math.max(1, Math.round(0.2 * rows));
  const train = want.train ?? rows - validation - extra;
  if (want.train === undefined && train < 1) {
    const held = [`validation (${validation})`, ...(extra ? [`test (${extra})`] : [])].join(' + ');
    throw dataError(
      `${DATA_FIELD}: ${held} ${extra ? 'leave' : 'leaves'} no examples to train on: ${source} has ${rows}; lower ${DATA_FIELD}.validation`,
    );
  }
  if (train < 1 || validation < 1 || train + validation + extra > rows) {
    const parts = [`train (${train})`, `validation (${validation})`, ...(extra ? [`test (${extra})`] : [])];
    throw dataError(
      `${DATA_FIELD}: ${parts.join(' + ')} need ${train + validation + extra} examples but ${source} has ${rows}; lower ${DATA_FIELD}.train or .validation`,
    );
  }
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  const rng = createRng(seed, 'tfjs:split');
  for (let i = rows - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = at(order, i);
    order[i] = at(order, j);
    order[j] = t;
  }
  return {
    validation: order.slice(0, validation),
    train: order.slice(validation, validation + train),
    ...(extra ? { test: order.slice(validation + train, validation + train + extra) } : {}),
  };
}

async function loadTables(options: DataOptions, baseDir: string): Promise<{ main: Table; test?: Table | undefined }> {
  const at = (file: string) => ({ file, absolute: path.resolve(baseDir, file) });
  switch (options.type) {
    case 'mnist':
      return { main: loadMnist() };
    case 'idx':
      return {
        main: loadIdx(at(options.images), at(options.labels), DATA_FIELD),
        test: options.test && loadIdx(at(options.test.images), at(options.test.labels), `${DATA_FIELD}.test`),
      };
    case 'csv':
      return {
        main: loadCsv(options.path, at(options.path).absolute, options.label, DATA_FIELD),
        test:
          options.test === undefined ? undefined : loadCsv(options.test, at(options.test).absolute, options.label, `${DATA_FIELD}.test`),
      };
    case 'module':
      return {
        main: await loadModuleData(options.path, at(options.path).absolute, DATA_FIELD),
        test: options.test === undefined ? undefined : await loadModuleData(options.test, at(options.test).absolute, `${DATA_FIELD}.test`),
      };
  }
}

/** Loads, checks, splits and uploads the data. */
export async function loadDataset(options: DataOptions, task: Task, baseDir: string, seed: number): Promise<Dataset> {
  const { main, test } = await loadTables(options, baseDir);
  if (test && featuresOf(test) !== featuresOf(main)) {
    throw dataError(
      `${DATA_FIELD}.test: ${test.source} has ${featuresOf(test)} features per example but ${main.source} has ${featuresOf(main)}`,
    );
  }
  const targets = (table: Table, field: string) => (task === 'classification' ? classIds(table, field) : table.y);
  const mainTargets = targets(main, DATA_FIELD);
  const testTargets = test && targets(test, `${DATA_FIELD}.test`);
  let outputs: number;
  let classes: number | undefined;
  if (task === 'classification') {
    classes = Math.max(main.targets, maxOf(mainTargets as Int32Array) + 1, testTargets ? maxOf(testTargets as Int32Array) + 1 : 0);
    if (classes < 2) throw dataError(`${DATA_FIELD}: ${main.source} has a single class (0); classification needs at least two`);
    outputs = classes;
  } else {
    if (test && test.targets !== main.targets) {
      throw dataError(`${DATA_FIELD}.test: ${test.source} has ${test.targets} targets per example but ${main.source} has ${main.targets}`);
    }
    outputs = main.targets;
  }
  const mnistTest = options.type === 'mnist' ? options.test : undefined;
  const rows = splitRows(main.rows, { train: options.train, validation: options.validation, test: mnistTest }, seed, main.source);
  const features = featuresOf(main);
  const take = (table: Table, values: Float32Array | Int32Array, pick?: Int32Array): Split => {
    const n = pick ? pick.length : table.rows;
    const x = new Float32Array(n * features);
    const y = new Float32Array(n * outputs);
    for (let i = 0; i < n; i++) {
      const r = pick ? at(pick, i) : i;
      x.set(table.x.subarray(r * features, (r + 1) * features), i * features);
      if (classes) y[i * outputs + at(values, r)] = 1;
      else y.set(values.subarray(r * outputs, (r + 1) * outputs), i * outputs);
    }
    return { x, y, rows: n };
  };
  return {
    train: take(main, mainTargets, rows.train),
    validation: take(main, mainTargets, rows.validation),
    test: test && testTargets ? take(test, testTargets) : rows.test ? take(main, mainTargets, rows.test) : undefined,
    shape: main.shape,
    features,
    outputs,
    classes,
    source: main.source,
  };
}

function maxOf(values: Int32Array): number {
  let max = -1;
  for (const v of values) if (v > max) max = v;
  return max;
}
