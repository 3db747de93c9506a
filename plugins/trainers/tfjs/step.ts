/**
 * One optimizer step, split in two so gradients can be computed on parts of a batch from the same
 * weights and combined before they are applied (the gradient noise scale needs gradients at two
 * batch sizes): `computeGradients` then `applyGradients`.
 */
import * as tf from '@tensorflow/tfjs';
import { correctCount, lossFunction, type LossFn } from './loss.ts';
import type { BuiltModel } from './model.ts';
import type { Task } from './options.ts';

export interface BatchGradients {
  /** d(mean loss)/d(weight), one per trainable variable, keyed by variable name in model order. */
  grads: tf.NamedTensorMap;
  /** Mean loss over the batch (before the update). */
  loss: tf.Scalar;
  /** Rows classified right (classification only). */
  correct?: tf.Scalar | undefined;
}

export class Stepper {
  readonly loss: LossFn;
  private readonly variables: tf.Variable[];

  constructor(
    readonly built: BuiltModel,
    private readonly optimizer: tf.Optimizer,
    readonly task: Task,
  ) {
    this.loss = lossFunction(task, built.output);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- LayerVariable.read() returns its tf.Variable, typed as Tensor
    this.variables = built.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** The model's output for a flat batch (reshaped first when the model takes images). */
  forward(xs: tf.Tensor, training: boolean): tf.Tensor {
    const input = this.built.inputShape ? tf.reshape(xs, this.built.inputShape) : xs;
    return this.built.model.apply(input, { training }) as tf.Tensor;
  }

  /**
   * Gradients of the batch's mean loss at the current weights, without changing them. Every
   * tensor returned belongs to the caller's scope (call it inside `tf.tidy`).
   */
  computeGradients(xs: tf.Tensor, ys: tf.Tensor): BatchGradients {
    let kept: tf.Scalar | undefined;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const out = this.forward(xs, true);
        // Computed from the forward pass's output; kept so the gradient scope does not free it.
        if (this.task === 'classification') kept = tf.keep(correctCount(ys, out));
        return this.loss(ys, out);
      }, this.variables);
      // A clone is tracked by the caller's scope like the other results; the kept original is freed.
      const correct = kept?.clone();
      return { grads, loss: value, correct };
    } finally {
      kept?.dispose();
    }
  }

  /** One optimizer update with these gradients, at the optimizer's current learning rate. */
  applyGradients(grads: tf.NamedTensorMap): void {
    this.optimizer.applyGradients(grads);
  }
}
