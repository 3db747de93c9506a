/**
 * Which training rows each batch takes: a fresh seeded permutation every epoch, batches cut from it
 * in order, and a batch that crosses the end of an epoch continuing into the next permutation,
 * so epochs roll over seamlessly across segments and batch-size changes.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../../../core/rng.ts';
import type { Split } from './data/dataset.ts';
import { at } from '../../../core/indexed.ts';

export class EpochSampler {
  private readonly rng: Rng;
  private order: Int32Array;
  private cursor: number;
  /** Epochs started so far (1 once the first batch is drawn). */
  epoch = 0;

  constructor(
    readonly rows: number,
    seed: number,
  ) {
    this.rng = createRng(seed, 'tfjs:shuffle');
    this.order = new Int32Array(rows);
    this.cursor = rows;
  }

  /** The row indices of the next batch. */
  next(batchSize: number): Int32Array {
    const out = new Int32Array(batchSize);
    let filled = 0;
    while (filled < batchSize) {
      if (this.cursor === this.rows) this.reshuffle();
      const take = Math.min(batchSize - filled, this.rows - this.cursor);
      out.set(this.order.subarray(this.cursor, this.cursor + take), filled);
      this.cursor += take;
      filled += take;
    }
    return out;
  }

  /** Where the sampler stands, for a checkpoint. */
  get position(): { epoch: number; cursor: number } {
    return { epoch: this.epoch, cursor: this.cursor };
  }

  /** Moves a fresh sampler to a checkpoint's position: the same permutations are drawn again from the seed. */
  seek(position: { epoch: number; cursor: number }): void {
    while (this.epoch < position.epoch) this.reshuffle();
    this.cursor = position.cursor;
  }

  private reshuffle(): void {
    const order = this.order;
    for (let i = 0; i < this.rows; i++) order[i] = i;
    for (let i = this.rows - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const t = at(order, i);
      order[i] = at(order, j);
      order[j] = t;
    }
    this.cursor = 0;
    this.epoch++;
  }
}

/** The rows `rows` of a split as a batch of tensors (`[n, features]`, `[n, outputs]`). */
export function batchOf(split: Split, rows: Int32Array): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return { xs: pick(split.x, split.x.length / split.rows, rows), ys: pick(split.y, split.y.length / split.rows, rows) };
}

function pick(source: Float32Array, width: number, rows: Int32Array): tf.Tensor2D {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const row = at(rows, i);
    out.set(source.subarray(row * width, (row + 1) * width), i * width);
  }
  return tf.tensor2d(out, [rows.length, width]);
}

/** Rows [start, start + size) of a split as tensors, without copying in JavaScript. */
export function rangeOf(split: Split, start: number, size: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const fw = split.x.length / split.rows;
  const ow = split.y.length / split.rows;
  return {
    xs: tf.tensor2d(split.x.subarray(start * fw, (start + size) * fw), [size, fw]),
    ys: tf.tensor2d(split.y.subarray(start * ow, (start + size) * ow), [size, ow]),
  };
}
