import { describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, ensureBackend, type BackendLoader } from '../../../../plugins/trainers/tfjs/backend.ts';
import type { BackendName } from '../../../../plugins/trainers/tfjs/options.ts';

/** Loaders that succeed for the names present and fail as an absent package does. */
function fakeLoaders(present: BackendName[], log: string[] = []): BackendLoader[] {
  return (['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const).map((name) => ({
    name,
    load: () => {
      log.push(name);
      return present.includes(name) ? Promise.resolve() : Promise.reject(new Error('not installed'));
    },
  }));
}

describe('chooseBackend', () => {
  it('auto picks tfjs-node-gpu when it is present', async () => {
    const log: string[] = [];
    const choice = await chooseBackend('auto', fakeLoaders(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'], log));
    expect(choice).toEqual({ backend: 'tfjs-node-gpu', reason: 'tfjs-node-gpu: loaded' });
    expect(log).toEqual(['tfjs-node-gpu']);
  });

  it('auto falls back to tfjs-node, then wasm, saying why each was skipped', async () => {
    expect(await chooseBackend('auto', fakeLoaders(['tfjs-node', 'wasm', 'cpu']))).toEqual({
      backend: 'tfjs-node',
      reason: 'tfjs-node-gpu: not installed; tfjs-node: loaded',
    });
    expect(await chooseBackend('auto', fakeLoaders(['wasm', 'cpu']))).toEqual({
      backend: 'wasm',
      reason: 'tfjs-node-gpu: not installed; tfjs-node: not installed; wasm: loaded',
    });
    expect(await chooseBackend('auto', fakeLoaders(['cpu']))).toEqual({
      backend: 'cpu',
      reason: 'tfjs-node-gpu: not installed; tfjs-node: not installed; wasm: not installed; cpu: loaded',
    });
  });

  it('a named backend is the only one tried, and its failure is an error that says how to fix it', async () => {
    const log: string[] = [];
    expect(await chooseBackend('cpu', fakeLoaders(['tfjs-node-gpu', 'cpu'], log))).toEqual({ backend: 'cpu', reason: 'cpu: requested' });
    expect(log).toEqual(['cpu']);
    await expect(chooseBackend('tfjs-node', fakeLoaders(['wasm']))).rejects.toThrow(
      'trainer.backend: no backend could be loaded (tfjs-node: not installed); use "auto" or install @tensorflow/tfjs-node',
    );
  });

  it('fails with every reason when nothing loads', async () => {
    await expect(chooseBackend('auto', fakeLoaders([]))).rejects.toMatchObject({
      code: 'PLUGIN_LOAD_FAILED',
      message: expect.stringContaining('tfjs-node-gpu: not installed; tfjs-node: not installed; wasm: not installed; cpu: not installed'),
    });
  });
});

describe('ensureBackend (the real loaders)', () => {
  it('loads wasm here, where the native packages are not installed', async () => {
    const choice = await ensureBackend('auto');
    // webgpu is skipped: not installed, no adapter, or (CI's llvmpipe) only a software adapter.
    expect(choice).toEqual({
      backend: 'wasm',
      reason: expect.stringMatching(
        /^tfjs-node-gpu: not installed; tfjs-node: not installed; webgpu: (not installed|no GPU device|no WebGPU adapter|only a software adapter).*; wasm: loaded$/,
      ),
    });
    expect(tf.getBackend()).toBe('wasm');
    // Once per process: the same answer, no new work.
    expect(await ensureBackend('auto')).toBe(choice);
  });

  it('refuses a native backend that is not installed', async () => {
    await expect(ensureBackend('tfjs-node-gpu')).rejects.toThrow('tfjs-node-gpu: not installed');
    expect(tf.getBackend()).toBe('wasm');
  });
});
