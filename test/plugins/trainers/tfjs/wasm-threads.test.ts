import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { planWasmThreads } from '../../../../plugins/trainers/tfjs/wasm-threads-plan.ts';
import { withDefaults } from './helpers.ts';

const root = resolve(import.meta.dirname, '../../../..');
/** A child that never exits is killed after this; generous, because a loaded machine starts tfjs slowly. */
const CHILD_TIMEOUT_MS = 100_000;

/** Runs a Node process to its end; a process that never exits is killed by the timeout (signal set). */
function run(args: string[], cwd = root): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, CI: 'true' }, timeout: CHILD_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status, signal) => {
      done({ status, signal, stdout, stderr });
    });
  });
}

interface Trained {
  info: unknown;
  reports: Array<Record<string, number>>;
  second: unknown;
}

function trained(stdout: string): Trained {
  return JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as Trained;
}

const train = (threads: string) => run(['--import', 'tsx', join(root, 'test/fixtures/tfjs/threads-train.ts'), threads]);

describe('wasm threads in Node', () => {
  it('plans the count the option asks for', () => {
    expect(planWasmThreads(2)).toEqual({ setting: 2, threads: 2, reason: '2 requested' });
    expect(planWasmThreads(1).threads).toBe(1);
    expect(planWasmThreads(12)).toEqual({ setting: 12, threads: 8, reason: '12 requested, 8 allowed' });
    expect(planWasmThreads('auto').threads).toBe(1);
    expect(planWasmThreads('auto').reason).toMatch(/^auto: one thread/);
  });

  it('validates the option: auto or a count from 1 to 8', () => {
    expect(withDefaults({}).wasmThreads).toBe('auto');
    expect(withDefaults({ wasmThreads: 4 }).wasmThreads).toBe(4);
    expect(() => withDefaults({ wasmThreads: 0 })).toThrow(/wasmThreads/);
    expect(() => withDefaults({ wasmThreads: 9 })).toThrow(/wasmThreads/);
    expect(() => withDefaults({ wasmThreads: 'all' })).toThrow(/wasmThreads/);
  });

  it('trains on 2 threads to the losses of 1 thread, says so in its info, and lets the process exit', async () => {
    const [threaded, single] = await Promise.all([train('2'), train('1')]);
    for (const result of [threaded, single]) {
      // A process kept alive by pthreadpool's workers would be killed by the timeout (signal set).
      expect({ status: result.status, signal: result.signal, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
        status: 0,
        signal: null,
        stderr: '',
      });
    }
    const a = trained(threaded.stdout);
    const b = trained(single.stdout);
    expect(a.info).toMatchObject({ backend: 'wasm', wasmThreads: { requested: 2, threads: 2, reason: '2 requested' } });
    expect(b.info).toMatchObject({ backend: 'wasm', wasmThreads: { requested: 1, threads: 1 } });
    // The count is process-wide and fixed when wasm starts: a later request is reported, not obeyed.
    expect(a.second).toMatchObject({
      wasmThreads: {
        requested: 1,
        threads: 2,
        reason: "1 requested, but this process's wasm backend had already started on 2 (fixed at start)",
      },
    });
    expect(a.reports).toHaveLength(4);
    expect(b.reports).toHaveLength(4);
    // Same seed, data and model: the threaded build splits the products across threads, not the sums within them.
    a.reports.forEach((report, i) => {
      for (const metric of ['train_loss', 'val_loss', 'train_acc', 'val_acc'])
        expect(report[metric]).toBeCloseTo(b.reports[i]?.[metric] ?? NaN, 5);
    });
    expect(a.reports[3]?.train_loss).toBeLessThan(a.reports[0]?.train_loss ?? 0);
  }, 120_000);

  it('a CLI study on 2 wasm threads ends by itself and records the threads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchtune-threads-'));
    try {
      writeFileSync(
        join(dir, 'study.json'),
        JSON.stringify({
          seed: 1,
          budget: { unit: 'examples', limit: 2048 },
          space: { batchSize: [32, 128], learningRate: 0.05 },
          strategy: { type: 'grid', maxResource: 1024 },
          trainer: {
            type: 'tfjs',
            backend: 'wasm',
            wasmThreads: 2,
            model: { type: 'mlp', hidden: [32] },
            data: { type: 'mnist', train: 512, validation: 128 },
            evalEvery: 1024,
          },
        }),
      );
      const result = await run([join(root, 'bin/batchtune.js'), 'run', 'study.json', '--json', '--quiet'], dir);
      expect({ status: result.status, signal: result.signal }).toEqual({ status: 0, signal: null });
      const summary = JSON.parse(result.stdout) as { trainerInfo: unknown; trials: Array<{ state: string }> };
      expect(summary.trainerInfo).toMatchObject({ backend: 'wasm', wasmThreads: { threads: 2 } });
      expect(summary.trials.filter((t) => t.state === 'completed')).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
