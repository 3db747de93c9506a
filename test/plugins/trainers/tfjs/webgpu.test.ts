import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { defined } from '../../../helpers/defined.ts';
import { at } from '../../../../core/indexed.ts';

const root = resolve(import.meta.dirname, '../../../..');

/** What the webgpu-train fixture prints: a reason to skip, or each backend's info and per-report metrics. */
interface WebGpuRun {
  skip?: string;
  webgpu?: { info: Record<string, unknown>; reports: Array<Record<string, number>> };
  wasm?: { info: Record<string, unknown>; reports: Array<Record<string, number>> };
}

describe('the webgpu backend (Dawn via the webgpu package; CI: llvmpipe from mesa-vulkan-drivers ≥ 25)', () => {
  it('trains a tiny MLP to the same losses as wasm, names its adapter, and lets the process exit', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/tfjs/webgpu-train.ts')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
    });
    // A process kept alive by Dawn would be killed by the timeout (status null).
    expect({ status: run.status, signal: run.signal, stderr: run.status === 0 ? '' : run.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const result = JSON.parse(defined(run.stdout.trim().split('\n').pop(), 'the last line of output')) as WebGpuRun;
    if (result.skip) {
      console.warn(`WebGPU test skipped: ${result.skip} (install the optional packages and a Vulkan driver, see .ci/run)`);
      return;
    }
    const { webgpu, wasm } = result;
    if (!webgpu || !wasm) throw new Error('the run printed neither a skip nor both backends');
    expect(webgpu.info).toMatchObject({
      backend: 'webgpu',
      backendReason: 'webgpu: requested',
      webgpuAdapter: { description: expect.any(String), software: expect.any(Boolean) },
    });
    expect(wasm.info.backend).toBe('wasm');
    expect(webgpu.reports).toHaveLength(4);
    // Same seed, same data, same model: the two backends agree to float rounding.
    webgpu.reports.forEach((report, i) => {
      for (const metric of ['train_loss', 'val_loss', 'train_acc', 'val_acc'])
        expect(report[metric]).toBeCloseTo(defined(at(wasm.reports, i)[metric], metric), 4);
    });
    expect(at(webgpu.reports, 3)['train_loss']).toBeLessThan(defined(at(webgpu.reports, 0)['train_loss'], 'train_loss'));
  });
});
