/** The loss a task minimises and the accuracy count, given what the model outputs. */
import * as tf from '@tensorflow/tfjs';
import type { OutputKind } from './model.ts';
import type { Task } from './options.ts';

/** Mean loss over the batch: softmax cross-entropy (classification) or mean squared error. */
export type LossFn = (ys: tf.Tensor, out: tf.Tensor) => tf.Scalar;

export function lossFunction(task: Task, output: OutputKind): LossFn {
  if (task === 'regression') return (ys, out) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(ys, out);
  if (output === 'probabilities') return (ys, out) => tf.mean<tf.Scalar>(tf.metrics.categoricalCrossentropy(ys, out));
  return (ys, out) => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(ys, out);
}

/** How many rows the model classifies right (argmax of output = argmax of one-hot target). */
export function correctCount(ys: tf.Tensor, out: tf.Tensor): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(ys, 1)), 'float32'));
}
