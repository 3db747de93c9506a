/**
 * How many threads the wasm backend gets: the `wasmThreads` option read against the machine. Kept
 * apart from wasm-threads.ts so that the options schema can use it without loading TensorFlow.js.
 */
/** The `wasmThreads` option: a thread count (1 = the single-threaded build), or `auto`. */
export type WasmThreadsSetting = 'auto' | number;

/** What a setting asks for on this machine, and why. */
export interface WasmThreadsPlan {
  setting: WasmThreadsSetting;
  threads: number;
  reason: string;
}

/** XNNPACK's pool holds at most 8 threads in tfjs 4.22 (the Emscripten build pre-starts 8 workers). */
export const MAX_WASM_THREADS = 8;

/**
 * The count a setting means. A number is taken as asked (up to the 8 the build allows), even past
 * the cores: it is a deliberate choice. `auto` is one thread, from the measurements in the README's
 * Performance section: on a machine shared with other work, threads cost more at small batches than
 * they gave at large ones, and a pool executor already runs one worker process per core.
 */
export function planWasmThreads(setting: WasmThreadsSetting): WasmThreadsPlan {
  if (setting === 'auto') return { setting, threads: 1, reason: AUTO_REASON };
  const threads = Math.max(1, Math.min(Math.floor(setting), MAX_WASM_THREADS));
  return { setting, threads, reason: threads === setting ? `${setting} requested` : `${setting} requested, ${threads} allowed` };
}
const AUTO_REASON = 'auto: one thread (threads did not pay at every batch size when measured; set a count to use them)';
