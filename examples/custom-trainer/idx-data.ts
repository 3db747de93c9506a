/**
 * Images and labels in the IDX format (how MNIST and Fashion-MNIST are distributed), raw or gzipped,
 * split into a training and a validation set by the search's seed, so every trial sees the same split.
 * Replace this file with your own loader: the trainer only needs rows of numbers and a class per row.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BatchtuneError, configError, createRng } from 'batchtune';

export interface DataOptions {
  images: string;
  labels: string;
  train: number;
  validation: number;
}

/** A set of rows: `x` is rows × features in [0, 1], `y` the class of each row. */
export interface Rows {
  x: Float32Array;
  y: Uint8Array;
  rows: number;
  features: number;
}

export interface Split {
  train: Rows;
  validation: Rows;
  classes: number;
}

/** Bad input, found before any training: one line naming the option, the file and the fix (exit 2). */
export function checkFiles(options: DataOptions, baseDir: string, path: string): void {
  for (const key of ['images', 'labels'] as const) {
    const file = resolve(baseDir, options[key]);
    if (!existsSync(file)) {
      throw configError(
        `${path}.${key}`,
        `file not found: ${file} (Fashion-MNIST: apt-get install dataset-fashion-mnist, or give your own IDX file)`,
        options[key],
      );
    }
  }
}

export function loadSplit(options: DataOptions, baseDir: string, seed: number): Split {
  const images = readIdx(resolve(baseDir, options.images), 3, 'trainer.images');
  const labels = readIdx(resolve(baseDir, options.labels), 1, 'trainer.labels');
  const [count = 0, height = 0, width = 0] = images.dims;
  if (labels.dims[0] !== count) {
    throw dataError(`trainer.labels: ${labels.dims[0] ?? 0} labels for ${count} images; give the labels file of the same set`);
  }
  const needed = options.train + options.validation;
  if (needed > count) {
    throw dataError(
      `trainer: train (${options.train}) + validation (${options.validation}) need ${needed} images but the file has ${count}`,
    );
  }
  const order = createRng(seed, 'custom-trainer:split').shuffle(Array.from({ length: count }, (_, i) => i));
  const features = height * width;
  const take = (from: number, rows: number): Rows => {
    const x = new Float32Array(rows * features);
    const y = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      const source = order[from + r] ?? 0;
      for (let f = 0; f < features; f++) x[r * features + f] = (images.data[source * features + f] ?? 0) / 255;
      y[r] = labels.data[source] ?? 0;
    }
    return { x, y, rows, features };
  };
  const classes = 1 + labels.data.reduce((max, label) => Math.max(max, label), 0);
  return { train: take(0, options.train), validation: take(options.train, options.validation), classes };
}

/** An IDX file of unsigned bytes: magic 0x000008NN (NN dimensions), NN big-endian sizes, the bytes. */
function readIdx(file: string, rank: number, field: string): { dims: number[]; data: Uint8Array } {
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const header = 4 + 4 * rank;
  if (bytes.length < header || bytes.readUInt32BE(0) !== 0x800 + rank) {
    throw dataError(`${field}: ${file} is not an IDX file of ${rank}-dimensional unsigned bytes (magic 0x${(0x800 + rank).toString(16)})`);
  }
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw dataError(`${field}: ${file} has ${bytes.length - header} data bytes but its header ${JSON.stringify(dims)} needs ${size}`);
  }
  return { dims, data: bytes.subarray(header) };
}

function dataError(message: string): BatchtuneError {
  return new BatchtuneError('DATA_INVALID', message);
}
