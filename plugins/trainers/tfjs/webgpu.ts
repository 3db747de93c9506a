/**
 * WebGPU in Node: Dawn (the npm package `webgpu`, whose dawn.node ships inside it) provides
 * `navigator.gpu`, and @tensorflow/tfjs-backend-webgpu trains on it, so a GPU can be used without
 * libtensorflow. Both packages are optional and load only when this backend is tried.
 *
 * Dawn keeps Node alive while its GPU object is referenced, so the trainer releases it when the
 * last user closes (`releaseWebGpu`), and the process can exit.
 */
import { readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { importOptional } from './optional-import.ts';

/** The adapter tfjs trains on, for the trainer's info. */
interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter (llvmpipe, SwiftShader): correct but slower than wasm on the same CPU. */
  software: boolean;
}

interface GpuAdapter {
  info?: Partial<AdapterInfo> & { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<Partial<AdapterInfo>>;
}

interface Gpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapter | null>;
}

interface DawnModule {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software/i;

let active: { adapter: AdapterInfo; users: number } | undefined;

/**
 * Makes tfjs's `webgpu` backend available on the first adapter Dawn offers. `allowSoftware` false
 * (backend "auto") refuses a software adapter, which would be slower than wasm. Throws an Error
 * that says why it cannot (not installed, no adapter, software only).
 */
export async function loadWebGpu(allowSoftware: boolean): Promise<AdapterInfo> {
  if (active) return accepted(active.adapter, allowSoftware);
  // `auto` on Linux without a GPU device node would only find a software adapter, and Dawn prints warnings
  // while it looks: skip the probe.
  if (!allowSoftware && process.platform === 'linux' && !hasGpuDevice()) throw new Error('no GPU device (/dev/dri/renderD*, /dev/nvidia*)');
  const dawn = (await importOptional('webgpu')) as DawnModule;
  // The WebGPU constants and classes (GPUBufferUsage, ...) that tfjs-backend-webgpu reads as globals.
  for (const [name, value] of Object.entries(dawn.globals))
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter (no GPU, or no Vulkan/Metal/D3D driver for it)');
  const info = accepted(describe(adapter, adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {}), allowSoftware);
  setNavigatorGpu(gpu);
  await importOptional('@tensorflow/tfjs-backend-webgpu');
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- tfjs types findBackendFactory as always found; it returns null for a backend not registered
  if (!tf.findBackendFactory('webgpu')) {
    setNavigatorGpu(undefined);
    throw new Error('@tensorflow/tfjs-backend-webgpu did not register (navigator.gpu was not seen)');
  }
  active = { adapter: info, users: 0 };
  return info;
}

/** The adapter in use, while the webgpu backend is loaded. */
export function webGpuAdapter(): AdapterInfo | undefined {
  return active?.adapter;
}

/** A trainer that uses the backend holds it until it closes. */
export function holdWebGpu(): void {
  if (active) active.users += 1;
}

/**
 * Called when a trainer closes: once nobody holds the backend, frees the GPU device and drops
 * Dawn's object, so Node can exit. A later trainer loads it again.
 */
export function releaseWebGpu(): boolean {
  if (!active) return false;
  active.users = Math.max(0, active.users - 1);
  if (active.users > 0) return false;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- tfjs types findBackend as always found; it returns null for a backend not registered
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  setNavigatorGpu(undefined);
  active = undefined;
  return true;
}

function accepted(info: AdapterInfo, allowSoftware: boolean): AdapterInfo {
  if (info.software && !allowSoftware)
    throw new Error(`only a software adapter (${info.description || info.device}); name backend "webgpu" to use it`);
  return info;
}

function describe(adapter: GpuAdapter, info: Partial<AdapterInfo> & { isFallbackAdapter?: boolean }): AdapterInfo {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const described = {
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
  };
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  return { ...described, software: fallback || SOFTWARE.test(`${described.description} ${described.device} ${described.architecture}`) };
}

/** tfjs-backend-webgpu looks for `navigator.gpu`; Node 20 has no navigator, Node 21+ has one without gpu. */
function setNavigatorGpu(gpu: Gpu | undefined): void {
  const scope = globalThis as { navigator?: object };
  if (!scope.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (gpu) Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  else if (scope.navigator && 'gpu' in scope.navigator) delete (scope.navigator as { gpu?: unknown }).gpu;
}

/** A GPU device node that a Vulkan driver could open (Linux). */
function hasGpuDevice(): boolean {
  const has = (dir: string, prefix: string) => {
    try {
      return readdirSync(dir).some((name) => name.startsWith(prefix));
    } catch {
      return false;
    }
  };
  return has('/dev/dri', 'renderD') || has('/dev', 'nvidia');
}
