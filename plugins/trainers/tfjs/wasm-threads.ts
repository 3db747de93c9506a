/**
 * The multi-threaded wasm backend under Node. tfjs-backend-wasm 4.22 never uses it there, for
 * three reasons this file works around:
 * - `WASM_HAS_MULTITHREAD_SUPPORT` is false whenever `IS_NODE` (tfjs issue #3830). We do not flip
 *   the flag: we register our own factory for the `wasm` backend instead of tfjs's `init()`.
 * - tfjs gives Emscripten its pthread worker script and its main script as `blob:` URLs, which
 *   Node's `worker_threads` refuse. The package also ships both as plain files (`wasm-out/`), so the
 *   worker is started from a small `data:` module that runs the shipped worker script, and it loads
 *   the shipped factory script by path.
 * - Without a count it sizes XNNPACK's pool at cores/2 (one thread on a 2-core machine). We always
 *   pass the count the config asked for.
 * And one more of ours: pthreadpool's threads wait forever for work, and Emscripten refs their
 * workers while they run, so a process that used them would never exit. After the backend starts,
 * its pool's workers are unref'd and Emscripten's spare ones terminated; disposing the backend
 * terminates the rest. If the threaded build cannot start, wasm falls back to one thread.
 *
 * The thread count is fixed for the life of the backend (XNNPACK's pool is made once) and is
 * process-wide: every trainer in the process shares one wasm backend.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { planWasmThreads, type WasmThreadsPlan, type WasmThreadsSetting } from './wasm-threads-plan.ts';

/** Emscripten's module as far as this file uses it. */
interface ThreadedModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
  PThread: { unusedWorkers: NodeWorker[]; runningWorkers: NodeWorker[] };
  tfjs?: Record<string, unknown>;
}
interface NodeWorker {
  unref(): void;
  terminate(): unknown;
}
type Factory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

/** The running threaded backend's thread count, as XNNPACK reports it; undefined while wasm runs single-threaded. */
let state: { threads: number } | undefined;

let plan: WasmThreadsPlan | undefined;
/** Set when the threaded backend could not start and wasm fell back to one thread. */
let fallback: string | undefined;
/** tfjs's own `wasm` factory, kept to fall back to. */
let singleThreaded: { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number } | undefined;

/**
 * Records what the next wasm backend to start should use. The backend is process-wide and keeps
 * its pool for life, so a request made after it started changes nothing (the info says so).
 */
export function requestWasmThreads(setting: WasmThreadsSetting): void {
  plan = planWasmThreads(setting);
}

/** Before the wasm backend first starts: registers the threaded build when more than one thread is planned. */
export async function applyWasmThreads(): Promise<void> {
  const started = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm !== undefined;
  if (!plan || plan.threads < 2 || singleThreaded || started) return;
  await registerThreadedWasm(plan.threads);
}

/** The threaded backend failed to start: put tfjs's single-threaded factory back, saying why. */
export function fallBackToSingleThread(reason: string): boolean {
  if (!singleThreaded || state) return false;
  fallback = reason;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', singleThreaded.factory, singleThreaded.priority);
  return true;
}

/** For the trainer's info: what was asked, what runs, and why. */
export function wasmThreadsInfo(): { requested: WasmThreadsSetting; threads: number; reason: string } {
  const requested = plan?.setting ?? 1;
  const threads = state?.threads ?? 1;
  if (fallback) return { requested, threads, reason: `threads failed to start (${fallback}); one thread` };
  const reason = plan?.reason ?? 'one thread';
  if (!plan || plan.threads === threads) return { requested, threads, reason };
  return { requested, threads, reason: `${reason}, but this process's wasm backend had already started on ${threads} (fixed at start)` };
}

/** The folder of the installed @tensorflow/tfjs-backend-wasm. */
function packageDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/**
 * The pthread worker: an ES module (a `data:` URL needs no file of ours next to the compiled code)
 * that runs the worker script tfjs ships, as the CommonJS script it is written as.
 */
function workerUrl(dir: string): URL {
  const script = path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js');
  const source =
    `import { createRequire } from 'node:module';\n` +
    `const require = createRequire(${JSON.stringify(script)});\n` +
    `const { wasmWorkerContents } = require(${JSON.stringify(script)});\n` +
    // The shipped text holds raw newlines inside string literals; tfjs escapes them the same way.
    `new Function('require', '__filename', wasmWorkerContents.replace(/\\n/g, '\\\\n'))(require, ${JSON.stringify(script)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/**
 * Registers the threaded build as the `wasm` backend, with `threads` threads. Call before the wasm
 * backend is first initialised (it replaces tfjs's own factory; kernels are registered by backend
 * name, so they, and the trainer's kernel fixes, apply unchanged).
 */
async function registerThreadedWasm(threads: number): Promise<void> {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`wasm threads must be an integer >= 2, got ${threads}`);
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = packageDir();
  const require = createRequire(import.meta.url);
  const factory = require(path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js')) as Factory;
  const mainScript = path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const binary = path.join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  const worker = workerUrl(dir);

  const create = async (): Promise<tf.KernelBackend> => {
    // tfjs's init() evaluates this flag (the trainer's info reads it); the threaded build needs SIMD too.
    if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')))
      throw new Error('this runtime has no wasm SIMD, which the threaded build needs');
    const bytes = await readFile(binary);
    let failed: (error: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    const made = factory({
      // tfjs caps the pool at min(requested, cores / 2), "cores" being this import, read once when the
      // module starts: report twice the requested count so that the cap lets it through.
      instantiateWasm: (
        info: { env: Record<string, unknown> },
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) => {
        const env = { ...info.env, emscripten_num_logical_cores: () => 2 * threads };
        WebAssembly.instantiate(bytes, { ...info, env, wasi_snapshot_preview1: env }).then((result) => {
          receive(result.instance, result.module);
        }, failed);
        return {};
      },
      // Emscripten asks for the worker script and the binary by name; both come from the package.
      locateFile: (file: string) =>
        file.endsWith('.worker.js') ? worker : file.endsWith('.wasm') ? binary : path.join(dir, 'wasm-out', file),
      // What each worker loads to build its own instance on the shared memory: a path, not a blob.
      mainScriptUrlOrBlob: mainScript,
    });
    const module = await Promise.race([made, failure]);
    // The bridge tfjs's init() builds (backend_wasm.ts), which BackendWasm's constructor expects.
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    wasm.setThreadsCount(threads);
    const backend = new wasm.BackendWasm(module as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0]);
    // pthreadpool's threads now wait for work; they must not keep the process alive.
    for (const w of module.PThread.runningWorkers) w.unref();
    // Emscripten pre-starts 8 workers, each with its own instance; the pool took what it needs, so
    // the spare ones go (Emscripten starts a new one should a thread ever be created later).
    for (const w of module.PThread.unusedWorkers.splice(0)) void w.terminate();
    state = { threads: wasm.getThreadsCount() };
    const dispose = backend.dispose.bind(backend);
    backend.dispose = () => {
      state = undefined;
      dispose();
    };
    return backend;
  };
  const registry = (tf.engine() as unknown as { registryFactory: Record<string, typeof singleThreaded> }).registryFactory;
  singleThreaded = registry.wasm;
  if (!singleThreaded) throw new Error('@tensorflow/tfjs-backend-wasm did not register the wasm backend');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', create, singleThreaded.priority);
}
