/**
 * One optimizer per trial session, so momentum and Adam moments persist across segments, with a
 * learning rate that can change before any step. tfjs 4.22 keeps the rate differently per class:
 * SGD and Momentum bake it into a kept scalar (`setLearningRate` replaces it; assigning the
 * `learningRate` field alone has no effect), Adam reads its `learningRate` field at every step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Params } from '../../../core/params.ts';
import type { OptimizerOptions } from './options.ts';

export interface TrialOptimizer {
  readonly optimizer: tf.Optimizer;
  /** Sets the rate the next step uses (a no-op when unchanged). */
  setLearningRate(rate: number): void;
  readonly learningRate: number;
  dispose(): void;
}

/** The momentum in use: a trial param `momentum` overrides the option. */
function momentumOf(options: OptimizerOptions, params: Params): number {
  return typeof params.momentum === 'number' ? params.momentum : options.type === 'momentum' ? options.momentum : 0;
}

export function createOptimizer(options: OptimizerOptions, params: Params, learningRate: number): TrialOptimizer {
  let current = learningRate;
  switch (options.type) {
    case 'sgd':
    case 'momentum': {
      const optimizer =
        options.type === 'sgd'
          ? tf.train.sgd(learningRate)
          : tf.train.momentum(learningRate, momentumOf(options, params), options.nesterov);
      return {
        optimizer,
        get learningRate() {
          return current;
        },
        setLearningRate(rate) {
          if (rate === current) return;
          optimizer.setLearningRate(rate);
          current = rate;
        },
        dispose: () => {
          optimizer.dispose();
          // MomentumOptimizer.dispose (tfjs 4.22) frees its momentum and accumulators but not the
          // learning-rate scalar it inherits from SGD; free it here (disposing twice is harmless).
          (optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
        },
      };
    }
    case 'adam': {
      const optimizer = tf.train.adam(learningRate, options.beta1, options.beta2, options.epsilon);
      return {
        optimizer,
        get learningRate() {
          return current;
        },
        setLearningRate(rate) {
          // AdamOptimizer has no setter; its applyGradients multiplies by `-this.learningRate`.
          (optimizer as unknown as { learningRate: number }).learningRate = rate;
          current = rate;
        },
        dispose: () => {
          optimizer.dispose();
        },
      };
    }
  }
}
