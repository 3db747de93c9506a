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

/**
 * After an allocation failure the wasm heap cannot be trusted: an aborted runtime refuses every
 * call, and one that failed mid-kernel may later read freed memory ("memory access out of bounds").
 * The failure marks the backend; the next trial to open rebuilds it (a fresh wasm instance with a
 * fresh heap), so later feasible trials run. Tensors of the old backend are lost: a session that
 * still holds some fails cleanly (see `backendGeneration`) instead of reading a dead heap.
 */
let rebuildReason: string | undefined;
let generation = 0;

/** Marks the active backend for a rebuild before the next trial, when it is wasm (native and cpu recover on their own). */
export function markBackendDamaged(reason: string): void {
  if (tf.getBackend() === 'wasm') rebuildReason = reason;
}

/** True between an out-of-memory failure on wasm and the rebuild. */
export function backendDamaged(): boolean {
  return rebuildReason !== undefined;
}

/** Bumped on every rebuild: a session made under an older generation has lost its tensors. */
export function backendGeneration(): number {
  return generation;
}

/** Rebuilds a backend marked damaged; returns the reason it was, or undefined when nothing was needed. */
export async function recoverBackend(): Promise<string | undefined> {
  const reason = rebuildReason;
  if (reason === undefined) return undefined;
  rebuildReason = undefined;
  await rebuildWasmBackend();
  generation += 1;
  return reason;
}

/** Replaces the registered wasm backend with a fresh instance of the same factory and makes it active. */
async function rebuildWasmBackend(): Promise<void> {
  const engine = tf.engine() as unknown as {
    registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number } | undefined>;
    registry: Record<string, unknown>;
    backendName: string | null;
    backendInstance: unknown;
    pendingBackendInit: unknown;
  };
  const entry = engine.registryFactory['wasm'];
  if (!entry) return;
  try {
    tf.removeBackend('wasm');
  } catch {
    // Disposing an aborted runtime throws; forget it by hand (removeBackend's own steps).
    delete engine.registry.wasm;
    delete engine.registryFactory.wasm;
    if (engine.backendName === 'wasm') {
      engine.backendName = null;
      engine.backendInstance = null;
      engine.pendingBackendInit = null;
    }
  }
  tf.registerBackend('wasm', entry.factory, entry.priority);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise again after running out of memory');
  await tf.ready();
}
