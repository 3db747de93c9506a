/**
 * Loss (and accuracy) of the current weights on a held-out split, in chunks, read once. A chunk
 * that does not fit in memory is halved until one does.
 */
import * as tf from '@tensorflow/tfjs';
import { rangeOf } from './batches.ts';
import type { Split } from './data/dataset.ts';
import { correctCount } from './loss.ts';
import { isOutOfMemory, isWasmAbort } from './memory.ts';
import type { Stepper } from './step.ts';
import { at } from '../../../core/indexed.ts';

export const EVAL_CHUNK = 2048;

interface Evaluation {
  loss: number;
  /** Fraction right, for classification. */
  accuracy?: number;
}

async function evaluate(stepper: Stepper, split: Split, chunk = EVAL_CHUNK): Promise<Evaluation> {
  const classification = stepper.task === 'classification';
  let sums = tf.zeros([2]);
  try {
    for (let start = 0; start < split.rows; start += chunk) {
      const size = Math.min(chunk, split.rows - start);
      const next = tf.tidy(() => {
        const { xs: x, ys: y } = rangeOf(split, start, size);
        const out = stepper.forward(x, false);
        const loss = tf.mul(stepper.loss(y, out), size);
        const correct = classification ? correctCount(y, out) : tf.scalar(0);
        return tf.add(sums, tf.stack([loss, correct]));
      });
      sums.dispose();
      sums = next;
    }
    const totals = await sums.data();
    const loss = at(totals, 0);
    const correct = at(totals, 1);
    return classification ? { loss: loss / split.rows, accuracy: correct / split.rows } : { loss: loss / split.rows };
  } finally {
    sums.dispose();
  }
}

/** Evaluates with the largest chunk (from `chunk.size` down) that fits; remembers it in `chunk`. */
export async function evaluateFitting(stepper: Stepper, split: Split, chunk: { size: number }): Promise<Evaluation> {
  for (;;) {
    try {
      return await evaluate(stepper, split, chunk.size);
    } catch (error) {
      if (!isOutOfMemory(error) || isWasmAbort(error) || chunk.size === 1) throw error;
      chunk.size = Math.max(1, Math.floor(chunk.size / 2));
    }
  }
}
