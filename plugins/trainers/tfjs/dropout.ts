/**
 * Dropout whose masks are seeded yet fresh every step. tfjs's own Dropout layer either draws from
 * Math.random (unseeded) or, given a seed, draws the same mask at every call; this one draws a new
 * seed for each call from its own seeded stream, so the same trial seed gives the same run.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../../../core/rng.ts';
import { at } from '../../../core/indexed.ts';

interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static className = 'BatchtuneSeededDropout';
  readonly rate: number;
  private readonly seed: number;
  private readonly rng: Rng;

  constructor(args: SeededDropoutArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.rate = args.rate;
    this.seed = args.seed;
    this.rng = createRng(args.seed, 'tfjs:dropout');
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? at(inputs, 0) : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, this.rng.int(2 ** 31 - 1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);
