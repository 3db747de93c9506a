import { jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { validatePluginOptions, type Report, type TrainRequest } from '../../core/index.ts';
import { tfjsTrainer } from '../../plugins/trainers/tfjs/index.ts';
import { main } from '../../bin/cli.ts';
import { trainFresh } from '../plugins/trainers/tfjs/helpers.ts';
import { fixtures, linearRegressionOptions, linearRegressionTrainer } from './linear-regression.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

/**
 * The tfjs trainer's gradient-noise-scale measurement on a problem with a known answer: a linear
 * model on y = w*·x, x ~ N(0, I_20), no label noise, squared loss. Its B_simple lies in [20, 22]
 * at any weights (see the fixture), so the estimate must land within 10% of 21.
 */
const rows = { train: 3840, validation: 256 };
const base = linearRegressionOptions(rows);

function trainer(extra: Record<string, unknown>) {
  return linearRegressionTrainer(rows, extra);
}

async function run(extra: Record<string, unknown>, request: TrainRequest): Promise<Report[]> {
  return trainFresh(trainer(extra), 3, request);
}

describe('tfjs trainer: gradient noise scale', () => {
  test('B_simple on linear regression is within 10% of the analytic value', async () => {
    const reports = await run(
      { evalEvery: 128 * 100, noiseScale: { every: 1, microBatches: 4, beta: 0.99 } },
      { limits: { steps: 400 }, batchSize: 128, learningRate: 0.002 },
    );
    const last = defined(reports.at(-1), 'reports.at(-1)').metrics;
    expect(last.noise_scale).toBeGreaterThan(21 * 0.9);
    expect(last.noise_scale).toBeLessThan(21 * 1.1);
    expect(last.noise_scale).toBeCloseTo(
      defined(last.trace_sigma, 'last.trace_sigma') / defined(last.grad_sq_norm, 'last.grad_sq_norm'),
      6,
    );
  });

  test('the update uses the mean of the micro-batch gradients: same weights and examples as without it', async () => {
    const request = { limits: { steps: 12 }, batchSize: 64, learningRate: 0.005 };
    const measured = await run({ evalEvery: 64 * 4, noiseScale: { every: 3, microBatches: 4 } }, request);
    const plain = await run({ evalEvery: 64 * 4 }, request);
    expect(measured.map((r) => r.progress.examples)).toEqual(plain.map((r) => r.progress.examples));
    measured.forEach((r, i) => {
      expect(r.metrics.val_loss).toBeCloseTo(defined(at(plain, i).metrics.val_loss, 'at(plain, i).metrics.val_loss'), 3);
    });
    expect(plain.every((r) => !('noise_scale' in r.metrics))).toBe(true);
    expect(
      measured.every(
        (r) =>
          typeof r.metrics.noise_scale === 'number' &&
          typeof r.metrics.grad_sq_norm === 'number' &&
          typeof r.metrics.trace_sigma === 'number',
      ),
    ).toBe(true);
  });

  test('measuring leaks no tensor: the count stays flat across steps and returns to the baseline on dispose', async () => {
    const t = trainer({ evalEvery: 64 * 5, noiseScale: { every: 2, microBatches: 4 } });
    await t.prepare();
    const baseline = tf.memory().numTensors;
    const session = await t.open({ trialId: 0, params: { batchSize: 64, learningRate: 0.001 }, seed: 3 });
    await session.train({ limits: { steps: 10 }, batchSize: 64, learningRate: 0.001 }, () => 'continue');
    const after10 = tf.memory().numTensors;
    await session.train({ limits: { steps: 30 }, batchSize: 64, learningRate: 0.001 }, () => 'continue');
    expect(tf.memory().numTensors).toBe(after10);
    await session.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  test('a batch size that does not split into equal micro-batches is refused, naming the option', async () => {
    await expect(
      run({ evalEvery: 64, noiseScale: { every: 1, microBatches: 3 } }, { limits: { steps: 1 }, batchSize: 64, learningRate: 0.01 }),
    ).rejects.toThrow(/noiseScale\.microBatches: batch size 64 does not split into 3 equal micro-batches/);
    expect(() => validatePluginOptions(tfjsTrainer, { ...base, noiseScale: { every: 1, microBatches: 1 } }, 'trainer')).toThrow(
      /trainer\.noiseScale\.microBatches/,
    );
  });

  test('batchtune noise-scale trains one configuration and prints B_simple, or JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bt-noise-'));
    const config = join(dir, 'noise.json');
    writeFileSync(
      config,
      JSON.stringify({
        budget: { unit: 'examples', limit: 128 * 300 },
        space: { batchSize: [128], learningRate: 0.002 },
        trainer: {
          ...base,
          data: { ...base.data, path: join(fixtures, 'linear-regression.mjs') },
          evalEvery: 128 * 100,
          noiseScale: { every: 1, microBatches: 4, beta: 0.99 },
        },
      }),
    );
    const out: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    try {
      expect(await main(['noise-scale', config, '--json', '--quiet'])).toBe(0);
      const result = JSON.parse(out.join('')) as { bSimple: number; history: unknown[] };
      expect(result).toMatchObject({ batchSize: 128, microBatch: 32, k: 4, steps: 300, examples: 38400 });
      expect(result.bSimple).toBeGreaterThan(18.9);
      expect(result.bSimple).toBeLessThan(23.1);
      expect(result.history).toHaveLength(3);
      out.length = 0;
      expect(await main(['noise-scale', config, '--quiet', '--examples', '6400', '--micro-batches', '2'])).toBe(0);
      expect(out.join('')).toMatch(/50 measurements of 2 micro-batches of 64, every step, over 50 steps/);
      expect(out.join('')).toMatch(/B_simple = tr\(Σ\)\/\|G\|² = /);
    } finally {
      stdout.mockRestore();
    }
  });

  test('batchtune noise-scale refuses, with exit 2, a trainer that cannot measure and a batch that does not split', async () => {
    const err: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    try {
      expect(await main(['noise-scale', 'examples/tabular/grid.json', '--every', '2'])).toBe(2);
      expect(await main(['noise-scale', 'examples/tabular/grid.json'])).toBe(2);
      expect(await main(['noise-scale', 'examples/noise-scale/noise-scale.json', '--batch-size', '30'])).toBe(2);
      expect(await main(['noise-scale', 'examples/noise-scale/noise-scale.json', '--micro-batches', '1'])).toBe(2);
    } finally {
      stderr.mockRestore();
    }
    expect(err).toEqual([
      'batchtune: trainer "tabular" cannot measure the gradient noise scale (it has no noiseScale option); use a trainer of type "tfjs" or "process"\n',
      expect.stringMatching(/^batchtune: trainer "tabular" does not measure the gradient noise scale here: add "noiseScale"/),
      'batchtune: --batch-size: 30 does not split into 4 equal micro-batches; use a multiple of 4\n',
      expect.stringMatching(/^batchtune: --micro-batches: must be a whole number >= 2 \(got "1"\)/),
    ]);
  });
});
