/**
 * Out-of-memory failures, told apart from other errors so a batch size that does not fit marks the
 * trial infeasible instead of failing the search, and the clean-up a failed step needs.
 */
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../../../core/errors.ts';

/** Messages the backends give when an allocation fails (native TF, wasm heap, V8 typed arrays). */
const OUT_OF_MEMORY = [
  /out of memory/i,
  /\bOOM\b/,
  /failed to allocate/i,
  /allocation failed/i,
  /Array buffer allocation/i,
  /Invalid typed array length/i,
  /Invalid array length/i,
  /ResourceExhausted/i,
  /Cannot enlarge memory/i,
  /offset is out of bounds/i,
  /memory access out of bounds/i,
  /Aborted\(/,
];

export function isOutOfMemory(error: unknown): boolean {
  const message = errorMessage(error);
  return OUT_OF_MEMORY.some((pattern) => pattern.test(message));
}

/**
 * The wasm runtime aborts when its heap cannot grow; after that no wasm call works again in this
 * process. Such an error is out of memory for the batch size that caused it, and fatal for the rest.
 */
export function isWasmAbort(error: unknown): boolean {
  return /Aborted\(/.test(errorMessage(error));
}

/**
 * A step that throws inside the forward pass leaves the gradient tape holding the tensors it saved
 * for backprop (tfjs frees them only after a successful backward pass). Free them.
 */
export function releaseTape(): void {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: Array<{ saved?: tf.Tensor[] }> | null } }).state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const tensor of node.saved ?? []) tensor.dispose();
  state.activeTape = null;
}
