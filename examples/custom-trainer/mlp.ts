/**
 * A multilayer perceptron in plain TypeScript: inputs → one ReLU hidden layer → softmax over the
 * classes, trained with SGD and momentum on the softmax cross-entropy. `hidden: 0` is multinomial
 * logistic regression. Everything lives in Float32Arrays; no framework, so the trainer around it is
 * what this example is about.
 */
import type { Rng } from 'batchtune';

export interface MlpShape {
  inputs: number;
  hidden: number;
  classes: number;
}

/** Rows of a batch, row-major: `x` is rows × inputs, `y` the class of each row. */
export interface Batch {
  x: Float32Array;
  y: Uint8Array;
  rows: number;
}

/** What one pass over a batch measured: the summed loss and the rows classified right. */
export interface BatchScore {
  loss: number;
  correct: number;
}

/** Buffers one batch size needs for a step: allocated once per batch size, reused every step. */
export class Workspace {
  readonly hidden: Float32Array;
  readonly dHidden: Float32Array;
  readonly logits: Float32Array;

  constructor(
    readonly rows: number,
    shape: MlpShape,
  ) {
    this.hidden = new Float32Array(rows * shape.hidden);
    this.dHidden = new Float32Array(rows * shape.hidden);
    this.logits = new Float32Array(rows * shape.classes);
  }

  /** Bytes a step at `rows` rows allocates (the batch itself, the activations and their gradients). */
  static bytes(rows: number, shape: MlpShape): number {
    return 4 * rows * (shape.inputs + 2 * shape.hidden + shape.classes) + rows;
  }
}

/** The parameters (and their momentum buffers): one layer when `hidden` is 0, two otherwise. */
export class Mlp {
  /** [w1, b1, w2, b2], or [w, b] without a hidden layer; weights are fan-in × fan-out, row-major. */
  readonly params: Float32Array[];
  readonly velocity: Float32Array[];
  private readonly grads: Float32Array[];

  constructor(
    readonly shape: MlpShape,
    rng: Rng,
  ) {
    const sizes = shape.hidden > 0 ? [shape.inputs, shape.hidden, shape.classes] : [shape.inputs, shape.classes];
    this.params = [];
    for (let layer = 0; layer + 1 < sizes.length; layer++) {
      const fanIn = sizes[layer] ?? 0;
      const fanOut = sizes[layer + 1] ?? 0;
      this.params.push(heNormal(fanIn * fanOut, fanIn, rng), new Float32Array(fanOut));
    }
    this.velocity = this.params.map((p) => new Float32Array(p.length));
    this.grads = this.params.map((p) => new Float32Array(p.length));
  }

  /** One SGD step with momentum on a batch; returns the batch's summed loss and correct rows. */
  step(batch: Batch, work: Workspace, learningRate: number, momentum: number): BatchScore {
    const score = this.forward(batch, work);
    this.backward(batch, work);
    this.params.forEach((p, k) => {
      const v = this.velocity[k] ?? p;
      const g = this.grads[k] ?? p;
      for (let i = 0; i < p.length; i++) {
        const vi = momentum * (v[i] ?? 0) + (g[i] ?? 0);
        v[i] = vi;
        p[i] = (p[i] ?? 0) - learningRate * vi;
      }
    });
    return score;
  }

  /** Fills the workspace's activations; `logits` ends up holding the softmax probabilities. */
  forward(batch: Batch, work: Workspace): BatchScore {
    const { inputs, hidden, classes } = this.shape;
    const [w1, b1, w2, b2] = this.layers();
    let input = batch.x;
    let width = inputs;
    if (hidden > 0) {
      dense(batch.x, batch.rows, inputs, w1, b1, work.hidden, hidden);
      for (let i = 0; i < batch.rows * hidden; i++) work.hidden[i] = Math.max(0, work.hidden[i] ?? 0);
      input = work.hidden;
      width = hidden;
    }
    dense(input, batch.rows, width, w2, b2, work.logits, classes);
    return softmax(work.logits, batch, classes);
  }

  /** Gradients of the mean loss over the batch, from the probabilities `forward` left in the workspace. */
  private backward(batch: Batch, work: Workspace): void {
    const { inputs, hidden, classes } = this.shape;
    const { rows } = batch;
    const [, , w2] = this.layers();
    const [gw1, gb1, gw2, gb2] = this.gradients();
    // d loss / d logits = (p − onehot(y)) / rows, computed in place.
    const dLogits = work.logits;
    for (let r = 0; r < rows; r++) {
      const k = r * classes + (batch.y[r] ?? 0);
      dLogits[k] = (dLogits[k] ?? 0) - 1;
    }
    for (let i = 0; i < rows * classes; i++) dLogits[i] = (dLogits[i] ?? 0) / rows;
    const below = hidden > 0 ? work.hidden : batch.x;
    accumulate(below, dLogits, rows, hidden > 0 ? hidden : inputs, classes, gw2, gb2);
    if (hidden === 0) return;
    // Back through the second layer and the ReLU: dHidden = dLogits · w2ᵀ where the unit was active.
    const dHidden = work.dHidden;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < hidden; j++) {
        let sum = 0;
        if ((work.hidden[r * hidden + j] ?? 0) <= 0) {
          dHidden[r * hidden + j] = 0;
          continue;
        }
        for (let c = 0; c < classes; c++) sum += (dLogits[r * classes + c] ?? 0) * (w2[j * classes + c] ?? 0);
        dHidden[r * hidden + j] = sum;
      }
    }
    accumulate(batch.x, dHidden, rows, inputs, hidden, gw1, gb1);
  }

  /** The weights and biases as [w1, b1, w2, b2]; without a hidden layer the first two are unused. */
  private layers(): [Float32Array, Float32Array, Float32Array, Float32Array] {
    return quartet(this.params);
  }

  private gradients(): [Float32Array, Float32Array, Float32Array, Float32Array] {
    return quartet(this.grads);
  }
}

function quartet(arrays: Float32Array[]): [Float32Array, Float32Array, Float32Array, Float32Array] {
  const empty = new Float32Array(0);
  const [a = empty, b = empty, c = empty, d = empty] = arrays;
  return arrays.length === 2 ? [empty, empty, a, b] : [a, b, c, d];
}

/** out = x · w + b, for `rows` rows; zero inputs (most pixels) are skipped. */
function dense(
  x: Float32Array,
  rows: number,
  inWidth: number,
  w: Float32Array,
  b: Float32Array,
  out: Float32Array,
  outWidth: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * outWidth;
    out.set(b, o);
    for (let i = 0; i < inWidth; i++) {
      const xi = x[r * inWidth + i] ?? 0;
      if (xi === 0) continue;
      const row = i * outWidth;
      for (let j = 0; j < outWidth; j++) out[o + j] = (out[o + j] ?? 0) + xi * (w[row + j] ?? 0);
    }
  }
}

/** gw = xᵀ · d and gb = Σ_rows d (overwritten, not added to). */
function accumulate(
  x: Float32Array,
  d: Float32Array,
  rows: number,
  inWidth: number,
  outWidth: number,
  gw: Float32Array,
  gb: Float32Array,
): void {
  gw.fill(0);
  gb.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outWidth; j++) gb[j] = (gb[j] ?? 0) + (d[r * outWidth + j] ?? 0);
    for (let i = 0; i < inWidth; i++) {
      const xi = x[r * inWidth + i] ?? 0;
      if (xi === 0) continue;
      const row = i * outWidth;
      for (let j = 0; j < outWidth; j++) gw[row + j] = (gw[row + j] ?? 0) + xi * (d[r * outWidth + j] ?? 0);
    }
  }
}

/** Replaces logits by probabilities (stable: the row's maximum is subtracted) and scores the batch. */
function softmax(logits: Float32Array, batch: Batch, classes: number): BatchScore {
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < batch.rows; r++) {
    const o = r * classes;
    let max = -Infinity;
    let argmax = 0;
    for (let c = 0; c < classes; c++) {
      const v = logits[o + c] ?? 0;
      if (v > max) [max, argmax] = [v, c];
    }
    let total = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp((logits[o + c] ?? 0) - max);
      logits[o + c] = e;
      total += e;
    }
    for (let c = 0; c < classes; c++) logits[o + c] = (logits[o + c] ?? 0) / total;
    const label = batch.y[r] ?? 0;
    loss -= Math.log(Math.max(logits[o + label] ?? 0, 1e-12));
    if (argmax === label) correct += 1;
  }
  return { loss, correct };
}

/** He-normal initialisation (Box–Muller on the trial's seeded stream), right for ReLU layers. */
function heNormal(size: number, fanIn: number, rng: Rng): Float32Array {
  const out = new Float32Array(size);
  const std = Math.sqrt(2 / fanIn);
  for (let i = 0; i < size; i++) {
    const u = 1 - rng.next();
    out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  }
  return out;
}
