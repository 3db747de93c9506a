/**
 * Which TensorFlow.js backend trains: the fastest one that loads (tfjs-node-gpu, tfjs-node, webgpu
 * on a hardware adapter, wasm, cpu), or the one the config names. The choice is a small function
 * of loaders, so the rule is tested without the optional packages; the real loaders live below it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BatchtuneError, errorMessage } from '../../../core/errors.ts';
import { installCommand } from '../../../core/optional-package.ts';
import type { BackendName, BackendRequest } from './options.ts';
import { importOptional } from './optional-import.ts';
import { silenceNodeBanner } from './node-banner.ts';
import { installWasmKernels } from './wasm-kernels.ts';
import { applyWasmThreads, fallBackToSingleThread } from './wasm-threads.ts';
import { holdWebGpu, loadWebGpu, releaseWebGpu } from './webgpu.ts';

/** Tries to make one backend the active one; throws an Error whose message says why it cannot. */
export interface BackendLoader {
  name: BackendName;
  /** `request` says whether it was named or tried by auto (webgpu accepts a software adapter only when named). */
  load(request: BackendRequest): Promise<void>;
}

export interface BackendChoice {
  backend: BackendName;
  /** Why: each candidate tried and what happened, e.g. "tfjs-node-gpu: not installed; wasm: loaded". */
  reason: string;
}

/** Picks the first loader that loads (auto) or exactly the one named; pure but for the loaders. */
export async function chooseBackend(request: BackendRequest, loaders: readonly BackendLoader[]): Promise<BackendChoice> {
  const candidates = request === 'auto' ? loaders : loaders.filter((l) => l.name === request);
  if (candidates.length === 0) {
    throw new BatchtuneError('PLUGIN_LOAD_FAILED', `trainer.backend: no loader for ${JSON.stringify(request)}`);
  }
  const notes: string[] = [];
  for (const loader of candidates) {
    try {
      await loader.load(request);
      notes.push(`${loader.name}: ${request === 'auto' ? 'loaded' : 'requested'}`);
      return { backend: loader.name, reason: notes.join('; ') };
    } catch (error) {
      notes.push(`${loader.name}: ${errorMessage(error)}`);
    }
  }
  const hint = request === 'auto' ? '' : `; use "auto" or install ${packageOf(request)}`;
  throw new BatchtuneError('PLUGIN_LOAD_FAILED', `trainer.backend: no backend could be loaded (${notes.join('; ')})${hint}`);
}

function packageOf(name: BackendName): string {
  if (name === 'webgpu') return 'webgpu and @tensorflow/tfjs-backend-webgpu (optional dependencies)';
  return name === 'cpu' ? '@tensorflow/tfjs' : name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : `@tensorflow/${name}`;
}

/** The tf backend name each of ours registers under. */
const TF_NAME: Record<BackendName, string> = {
  'tfjs-node-gpu': 'tensorflow',
  'tfjs-node': 'tensorflow',
  webgpu: 'webgpu',
  wasm: 'wasm',
  cpu: 'cpu',
};

async function activate(tfName: string): Promise<void> {
  if (tf.getBackend() === tfName) return;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- tfjs types findBackendFactory as always found; it returns null for a backend not registered
  if (!tf.findBackendFactory(tfName)) throw new Error(`backend "${tfName}" is not registered with this @tensorflow/tfjs`);
  if (!(await tf.setBackend(tfName))) throw new Error(`backend "${tfName}" failed to initialise`);
  await tf.ready();
}

/** The wasm binaries' folder inside the installed package (Node cannot fetch them from a CDN). */
function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

const realLoaders: readonly BackendLoader[] = [
  {
    name: 'tfjs-node-gpu',
    load: async () => {
      await importOptional('@tensorflow/tfjs-node-gpu');
      await activate(TF_NAME['tfjs-node-gpu']);
    },
  },
  {
    name: 'tfjs-node',
    load: async () => {
      await importOptional('@tensorflow/tfjs-node');
      await activate(TF_NAME['tfjs-node']);
    },
  },
  {
    name: 'webgpu',
    load: async (request) => {
      await loadWebGpu(request === 'webgpu');
      await activate(TF_NAME.webgpu);
    },
  },
  {
    name: 'wasm',
    load: async () => {
      const wasm = (await importOptional('@tensorflow/tfjs-backend-wasm').catch((error: unknown) => {
        throw errorMessage(error) === 'not installed'
          ? new Error(`not installed (${installCommand('@tensorflow/tfjs-backend-wasm')})`)
          : error;
      })) as typeof import('@tensorflow/tfjs-backend-wasm');
      if (tf.getBackend() !== 'wasm') wasm.setWasmPaths(wasmDistDir());
      await applyWasmThreads();
      await activate(TF_NAME.wasm).catch((error: unknown) => {
        if (!fallBackToSingleThread(errorMessage(error))) throw error;
        return activate(TF_NAME.wasm);
      });
      installWasmKernels();
    },
  },
  { name: 'cpu', load: () => activate(TF_NAME.cpu) },
];

const chosen = new Map<BackendRequest, Promise<BackendChoice>>();
/** The choices made so far, to forget those that a release undoes. */
const settled = new Map<BackendRequest, BackendChoice>();

/**
 * Makes the requested backend active, once per process and request; later calls reuse the choice
 * (and switch back to it if another request switched the process meanwhile).
 */
export async function ensureBackend(request: BackendRequest, loaders: readonly BackendLoader[] = realLoaders): Promise<BackendChoice> {
  silenceNodeBanner();
  let pending = chosen.get(request);
  if (!pending) {
    pending = chooseBackend(request, loaders);
    chosen.set(request, pending);
    pending.catch(() => chosen.delete(request));
  }
  const choice = await pending;
  settled.set(request, choice);
  await activate(TF_NAME[choice.backend]);
  return choice;
}

/** A trainer holds the backend it prepared on until it closes (only WebGPU needs releasing). */
export function holdBackend(choice: BackendChoice): void {
  if (choice.backend === 'webgpu') holdWebGpu();
}

/**
 * A trainer is done with its backend. WebGPU is freed once its last holder closes (Dawn would
 * keep the process alive), and the choice is forgotten, so the next trainer loads it again.
 */
export function releaseBackend(choice: BackendChoice | undefined): void {
  if (choice?.backend !== 'webgpu' || !releaseWebGpu()) return;
  for (const [request, made] of settled) {
    if (made.backend !== 'webgpu') continue;
    settled.delete(request);
    chosen.delete(request);
  }
}
