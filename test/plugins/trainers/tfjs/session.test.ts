import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import type { TrainerSession } from '../../../../core/trainer.ts';
import type { Trainer } from '../../../../core/trainer.ts';
import { createTrainer, mnistOptions, params, segment } from './helpers.ts';
import { at } from '../../../../core/indexed.ts';
import { defined, numberIn } from '../../../helpers/defined.ts';

let trainer: Required<Trainer>;
const open: TrainerSession[] = [];

async function session(batchSize = 32, learningRate = 0.1, seed = 7, extra = {}): Promise<TrainerSession> {
  const s = await trainer.open({ trialId: 1, params: params(batchSize, learningRate, extra), seed });
  open.push(s);
  return s;
}

beforeAll(async () => {
  trainer = createTrainer(mnistOptions());
  await trainer.prepare();
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.dispose();
});

afterAll(() => trainer.close());

describe('describe()', () => {
  it('names the objective, the backend and why, and the data', async () => {
    const description = await trainer.prepare();
    expect(description.objective).toEqual({ metric: 'val_acc', mode: 'max' });
    expect(description.maxResource).toBeUndefined();
    expect(description.info).toMatchObject({
      backend: 'wasm',
      backendReason: 'wasm: requested',
      data: { source: 'mnist', train: 1000, validation: 300, shape: [28, 28, 1], classes: 10 },
      model: { type: 'mlp', hidden: [32], parameters: 784 * 32 + 32 + 32 * 10 + 10 },
    });
  });
});

describe('train()', () => {
  it('reports every evalEvery examples and once at the end, with the metrics named in the contract', async () => {
    const { result, reports } = await segment(await session(), { limits: { examples: 2500 }, batchSize: 32, learningRate: 0.1 });
    // 32-example steps: 78 steps = 2496 examples fit under the cap; reports after 1024, 2016 and at the end.
    expect(result).toEqual({
      progress: { examples: 2496, steps: 78, seconds: expect.any(Number) },
      exhausted: false,
      stopped: false,
      endedBy: 'limits',
    });
    expect(reports.map((r) => r.progress.examples)).toEqual([1024, 2016, 2496]);
    const last = at(reports, 2);
    expect(Object.keys(last.metrics).sort()).toEqual(
      ['epochs', 'eval_seconds', 'examples_per_second', 'lr', 'train_acc', 'train_loss', 'val_acc', 'val_loss'].sort(),
    );
    expect(last).toMatchObject({ batchSize: 32, learningRate: 0.1 });
    expect(last.metrics.val_acc).toBeGreaterThan(0.6);
    expect(numberIn(last.metrics, 'val_acc')).toBeGreaterThan(numberIn(at(reports, 0).metrics, 'val_acc') - 0.05);
    expect(numberIn(last.metrics, 'train_loss')).toBeLessThan(numberIn(at(reports, 0).metrics, 'train_loss'));
    expect(last.metrics.epochs).toBeCloseTo(2.496);
    // Seconds are training seconds only: the sum of the reports' eval time is not in them.
    expect(last.progress.seconds).toBeCloseTo(last.progress.examples / numberIn(last.metrics, 'examples_per_second'), 6);
  });

  it('never goes past an examples or steps cap, and stops on the seconds cap', async () => {
    const s = await session(100);
    const a = await segment(s, { limits: { examples: 950 }, batchSize: 100, learningRate: 0.1 });
    expect(a.result.progress).toMatchObject({ examples: 900, steps: 9 });
    const b = await segment(s, { limits: { steps: 12 }, batchSize: 100, learningRate: 0.1 });
    expect(b.result.progress).toMatchObject({ examples: 1200, steps: 12 });
    // Already at the cap: no step, and no report (unchanged weights are no new result).
    const c = await segment(s, { limits: { steps: 12 }, batchSize: 100, learningRate: 0.1 });
    expect(c.result).toMatchObject({ progress: { examples: 1200, steps: 12 }, endedBy: 'limits' });
    expect(c.reports).toHaveLength(0);
    const before = c.result.progress.seconds;
    const d = await segment(s, { limits: { seconds: before + 0.2 }, batchSize: 100, learningRate: 0.1 });
    expect(d.result.progress.seconds).toBeGreaterThanOrEqual(before + 0.2);
    expect(d.result.progress.steps).toBeGreaterThan(12);
  });

  it('continues from where it stopped: two segments equal one of the same length', async () => {
    const split = await session();
    await segment(split, { limits: { examples: 1024 }, batchSize: 32, learningRate: 0.1 });
    const second = await segment(split, { limits: { examples: 2048 }, batchSize: 32, learningRate: 0.1 });
    const whole = await segment(await session(), { limits: { examples: 2048 }, batchSize: 32, learningRate: 0.1 });
    expect(second.result.progress).toMatchObject({ examples: 2048, steps: 64 });
    expect(defined(second.reports.at(-1), 'the last report').metrics.val_loss).toBe(
      defined(whole.reports.at(-1), 'the last report').metrics.val_loss,
    );
  });

  it('a target between step boundaries ends at the nearest one, never with zero progress', async () => {
    // Batch 96: boundaries at 960 and 1056; 1000 is nearer 960. Then 1210 lies nearer 1248 than 1152.
    const s = await session(96);
    const first = await segment(s, { limits: {}, target: { unit: 'examples', value: 1000 }, batchSize: 96, learningRate: 0.1 });
    expect(first.result).toMatchObject({ progress: { examples: 960, steps: 10 }, endedBy: 'target' });
    const second = await segment(s, { limits: {}, target: { unit: 'examples', value: 1210 }, batchSize: 96, learningRate: 0.1 });
    expect(second.result).toMatchObject({ progress: { examples: 1248 }, endedBy: 'target' });
    // A target below one step still takes that step; the budget's hard cap is never crossed.
    const tiny = await segment(await session(512), {
      limits: {},
      target: { unit: 'examples', value: 100 },
      batchSize: 512,
      learningRate: 0.1,
    });
    expect(tiny.result.progress.examples).toBe(512);
    const capped = await segment(await session(512), {
      limits: { examples: 1000 },
      target: { unit: 'examples', value: 1500 },
      batchSize: 512,
      learningRate: 0.1,
    });
    expect(capped.result).toMatchObject({ progress: { examples: 512 }, endedBy: 'limits' });
  });

  it('a checkpoint restores a trial exactly: weights, momentum, data order and counters', async () => {
    const a = await session(32);
    await segment(a, { limits: { examples: 1024 }, batchSize: 32, learningRate: 0.1 });
    if (!a.checkpoint) throw new Error('a.checkpoint is missing');
    const bytes = await a.checkpoint();
    const tensors = tf.memory().numTensors;
    const b = await trainer.restore({ trialId: 1, params: params(32, 0.1), seed: 7 }, bytes);
    open.push(b);
    const fromA = await segment(a, { limits: { examples: 2048 }, batchSize: 32, learningRate: 0.1 });
    const fromB = await segment(b, { limits: { examples: 2048 }, batchSize: 32, learningRate: 0.1 });
    expect(fromB.result.progress).toMatchObject({ examples: 2048, steps: 64 });
    expect(defined(fromB.reports.at(-1), 'the last report').metrics.val_loss).toBe(
      defined(fromA.reports.at(-1), 'the last report').metrics.val_loss,
    );
    expect(defined(fromB.reports.at(-1), 'the last report').metrics.train_loss).toBe(
      defined(fromA.reports.at(-1), 'the last report').metrics.train_loss,
    );
    // Restoring left no tensor behind beyond the new session's own model and optimizer.
    await b.dispose();
    open.pop();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(tensors);
  });

  it('takes a new batch size and learning rate mid-run', async () => {
    const s = await session(32);
    await segment(s, { limits: { examples: 640 }, batchSize: 32, learningRate: 0.1 });
    const { result, reports } = await segment(s, { limits: { examples: 640 + 1280 }, batchSize: 128, learningRate: 0.2 });
    expect(result.progress).toMatchObject({ examples: 1920, steps: 20 + 10 });
    expect(reports.at(-1)).toMatchObject({ batchSize: 128, learningRate: 0.2 });
  });

  it('ramps the learning rate linearly over the warmup examples of the trial', async () => {
    const s = await trainer.open({ trialId: 1, params: params(50, 0.1), seed: 7 });
    open.push(s);
    const rates: number[] = [];
    const warmup = { examples: 1000, from: 0.01 };
    for (const cap of [250, 500, 1000, 1500]) {
      const { reports } = await segment(s, { limits: { examples: cap }, batchSize: 50, learningRate: 0.1, warmup });
      rates.push(defined(reports.at(-1), 'the last report').learningRate);
    }
    // Each report gives the rate its last step used: that step started 50 examples before the cap.
    expect(rates[0]).toBeCloseTo(0.01 + 0.09 * 0.2, 12);
    expect(rates[1]).toBeCloseTo(0.01 + 0.09 * 0.45, 12);
    expect(rates[2]).toBeCloseTo(0.01 + 0.09 * 0.95, 12);
    expect(rates[3]).toBe(0.1);
  });

  it('stops when the report handler says stop', async () => {
    const { result, reports } = await segment(
      await session(),
      { limits: { examples: 5000 }, batchSize: 50, learningRate: 0.1 },
      () => 'stop',
    );
    expect(reports).toHaveLength(1);
    expect(result).toMatchObject({ stopped: true, progress: { examples: 1000, steps: 20 } });
  });

  it('reports a non-finite metric as null (a diverged trial)', async () => {
    const { reports } = await segment(await session(32, 1e30), { limits: { examples: 640 }, batchSize: 32, learningRate: 1e30 });
    const metrics = defined(reports.at(-1), 'the last report').metrics;
    expect(metrics.train_loss).toBeNull();
    expect(metrics.val_loss).toBeNull();
  });
});

describe('determinism', () => {
  async function run(seed: number, extra = {}): Promise<Record<string, number | null>> {
    const s = await session(32, 0.1, seed, extra);
    const { reports } = await segment(s, { limits: { examples: 960 }, batchSize: 32, learningRate: 0.1 });
    // The measured times differ run to run; the rest must not.
    const measured = new Set(['examples_per_second', 'eval_seconds']);
    return Object.fromEntries(Object.entries(defined(reports.at(-1), 'the last report').metrics).filter(([name]) => !measured.has(name)));
  }

  it('the same seed gives the same metrics; another seed, other metrics', async () => {
    const first = await run(11);
    expect(await run(11)).toEqual(first);
    expect(await run(12)).not.toEqual(first);
  });

  it('holds with dropout, which draws a fresh seeded mask every step', async () => {
    const first = await run(11, { dropout: 0.3 });
    expect(await run(11, { dropout: 0.3 })).toEqual(first);
    expect(first).not.toEqual(await run(11));
  });
});

describe('memory', () => {
  it('frees every tensor of a session on dispose', async () => {
    const baseline = tf.memory().numTensors;
    const s = await trainer.open({ trialId: 1, params: params(32, 0.1), seed: 1 });
    await segment(s, { limits: { examples: 320 }, batchSize: 32, learningRate: 0.1 });
    await segment(s, { limits: { examples: 640 }, batchSize: 64, learningRate: 0.05, warmup: { examples: 500, from: 0.01 } });
    expect(tf.memory().numTensors).toBeGreaterThan(baseline);
    await s.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
