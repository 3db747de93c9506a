/**
 * The wasm backend's matrix product, made fast for training.
 *
 * 1. Explicit transposes. The wasm BatchMatMul runs its fast path (XNNPACK) only without
 *    transposes; with `transposeA` or `transposeB` (every backward pass of a dense layer:
 *    dW = xᵀ·dy, dx = dy·Wᵀ) it is 10-15× slower than transposing the operand first.
 * 2. Which operand gets packed. XNNPACK builds an operator for the right-hand operand and packs
 *    it, which costs about 1 ms for a 784×256 matrix, and it caches that only while the operand is
 *    the same tensor. In training the right operand is usually the weights, a new tensor after
 *    every update, so at small batch the packing costs more than the product. C = (Bᵀ·Aᵀ)ᵀ packs
 *    the batch instead. Which is faster depends on the shapes and the machine, so each shape is
 *    measured: the first calls alternate the two ways, then the faster one is kept. Both ways give
 *    the same numbers (XNNPACK sums over the inner dimension in the same order), so the choice
 *    changes speed, never results.
 * 3. The fused product (a dense layer's forward pass: x·W + b, then relu) packs W inside one wasm
 *    call that cannot be turned around. Where packing the left could pay (fewer rows than
 *    columns), it runs as the product above, then the bias and activation kernels. That rule
 *    depends on shapes only, so a seed still gives the same numbers every run.
 */
import * as tf from '@tensorflow/tfjs';
import { inputOf, type KernelArgs, type KernelBackend, type KernelFunc, type TensorInfo } from './wasm-kernel-types.ts';
import { at } from '../../../core/indexed.ts';

/** `auto` measures each shape; `right` always packs the right operand (tfjs's own way); `left` always packs the left. */
export type PackingMode = 'auto' | 'right' | 'left';

/** Timed calls per way before a shape's choice is made; the first of each is a warm-up and not counted. */
const TRIALS_PER_WAY = 4;

interface ShapeTiming {
  right: number[];
  left: number[];
  choice?: 'right' | 'left';
}

let mode: PackingMode = 'auto';
const timings = new Map<string, ShapeTiming>();

/** Sets how operands are packed (tests and benchmarks compare the ways); forgets measured choices. */
export function setPackingMode(next: PackingMode): void {
  mode = next;
  timings.clear();
}

/** The choice made for each measured shape, e.g. "8x784·784x256: left", for the trainer's info. */
export function packingChoices(): string[] {
  return [...timings].filter(([, t]) => t.choice).map(([key, t]) => `${key}: ${t.choice}`);
}

/** Replaces the wasm BatchMatMul kernel; false when wasm lacks it (nothing to improve). */
export function installMatMul(): boolean {
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- tfjs types getKernel as always found; it returns undefined for a kernel not registered
  if (!matMul || !transpose) return false;
  const plain = matMul.kernelFunc as unknown as (args: KernelArgs) => TensorInfo;
  const transposeFunc = transpose.kernelFunc as unknown as (args: KernelArgs) => TensorInfo;
  const swapLast = (x: TensorInfo, backend: KernelBackend): TensorInfo => {
    const rank = x.shape.length;
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    return transposeFunc({ inputs: { x }, backend, attrs: { perm } });
  };
  /** Transposes made for one call, freed when it returns. */
  const scratch = (backend: KernelBackend) => {
    const made: TensorInfo[] = [];
    return {
      swap(x: TensorInfo) {
        const t = swapLast(x, backend);
        made.push(t);
        return t;
      },
      track: (x: TensorInfo) => made.push(x),
      free: () => {
        made.forEach((t) => backend.disposeData(t.dataId));
      },
    };
  };

  /** op(A)·op(B), packing op(B). */
  const packRight = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    if (!attrs.transposeA && !attrs.transposeB) return plain({ inputs, backend, attrs });
    const temp = scratch(backend);
    try {
      const a = attrs.transposeA ? temp.swap(inputOf(inputs, 'a')) : inputOf(inputs, 'a');
      const b = attrs.transposeB ? temp.swap(inputOf(inputs, 'b')) : inputOf(inputs, 'b');
      return plain({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      temp.free();
    }
  };

  /** (op(B)ᵀ·op(A)ᵀ)ᵀ, packing op(A)ᵀ; an operand stored transposed needs no transpose here. */
  const packLeft = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const temp = scratch(backend);
    try {
      const left = attrs.transposeB ? inputOf(inputs, 'b') : temp.swap(inputOf(inputs, 'b'));
      const right = attrs.transposeA ? inputOf(inputs, 'a') : temp.swap(inputOf(inputs, 'a'));
      const product = plain({ inputs: { a: left, b: right }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
      temp.track(product);
      return swapLast(product, backend);
    } finally {
      temp.free();
    }
  };

  const wrapped: KernelFunc = (args) => {
    const way = chooseWay(args);
    if (way === 'right' || way === 'left') return way === 'right' ? packRight(args) : packLeft(args);
    const start = performance.now();
    const out = way.try === 'right' ? packRight(args) : packLeft(args);
    way.timing[way.try].push(performance.now() - start);
    decide(way.timing);
    return out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...matMul, kernelFunc: wrapped as unknown as tf.KernelFunc });
  return true;
}

/** Activations the unfused path applies with a kernel of the same name; others stay fused. */
const UNFUSED_ACTIVATIONS: Record<string, string | undefined> = { linear: undefined, relu: 'Relu' };

/** Replaces the wasm _FusedMatMul kernel (after installMatMul); false when wasm lacks a piece. */
export function installFusedMatMul(): boolean {
  const fused = tf.getKernel('_FusedMatMul', 'wasm');
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const add = tf.getKernel('Add', 'wasm');
  const relu = tf.getKernel('Relu', 'wasm');
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- tfjs types getKernel as always found; it returns undefined for a kernel not registered
  if (!fused || !matMul || !add || !relu) return false;
  const call = (kernel: tf.KernelConfig) => kernel.kernelFunc as unknown as (args: KernelArgs) => TensorInfo;
  const [fusedFunc, matMulFunc, addFunc, reluFunc] = [call(fused), call(matMul), call(add), call(relu)];
  const wrapped: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const activation = typeof attrs.activation === 'string' ? attrs.activation : 'linear';
    const { rows, columns } = dimensions(args);
    if (mode === 'right' || rows >= columns || !(activation in UNFUSED_ACTIVATIONS) || inputs.preluActivationWeights)
      return fusedFunc(args);
    const made: TensorInfo[] = [];
    try {
      let out = matMulFunc({
        inputs: { a: inputs.a, b: inputs.b },
        backend,
        attrs: { transposeA: attrs.transposeA, transposeB: attrs.transposeB },
      });
      if (inputs.bias) {
        made.push(out);
        out = addFunc({ inputs: { a: out, b: inputs.bias }, backend, attrs: {} });
      }
      if (activation === 'relu') {
        made.push(out);
        out = reluFunc({ inputs: { x: out }, backend, attrs: {} });
      }
      return out;
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
  tf.unregisterKernel('_FusedMatMul', 'wasm');
  tf.registerKernel({ ...fused, kernelFunc: wrapped as unknown as tf.KernelFunc });
  return true;
}

/** rows × inner × columns of op(A)·op(B) (the last two dimensions). */
function dimensions({ inputs, attrs }: KernelArgs): { rows: number; columns: number; key: string } {
  const a = inputOf(inputs, 'a').shape;
  const b = inputOf(inputs, 'b').shape;
  const rows = attrs.transposeA ? at(a, a.length - 1) : at(a, a.length - 2);
  const columns = attrs.transposeB ? at(b, b.length - 2) : at(b, b.length - 1);
  const key = `${a.join('x')}${attrs.transposeA ? 'ᵀ' : ''}·${b.join('x')}${attrs.transposeB ? 'ᵀ' : ''}`;
  return { rows, columns, key };
}

/** A settled way, or the way to try (and time) for this call while a shape is being measured. */
function chooseWay(args: KernelArgs): 'right' | 'left' | { try: 'right' | 'left'; timing: ShapeTiming } {
  if (mode !== 'auto') return mode;
  const { rows, columns, key } = dimensions(args);
  // Packing the left only pays when it is the smaller operand (a batch narrower than the layer).
  if (rows >= columns) return 'right';
  let timing = timings.get(key);
  if (!timing) {
    timing = { right: [], left: [] };
    timings.set(key, timing);
  }
  if (timing.choice) return timing.choice;
  return { try: timing.right.length <= timing.left.length ? 'right' : 'left', timing };
}

function decide(timing: ShapeTiming): void {
  if (timing.right.length < TRIALS_PER_WAY || timing.left.length < TRIALS_PER_WAY) return;
  const best = (times: number[]) => Math.min(...times.slice(1));
  timing.choice = best(timing.left) < best(timing.right) ? 'left' : 'right';
}
