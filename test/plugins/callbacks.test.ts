import { MemoryStore, defineCallback, type Report, type TrialView } from '../../core/index.ts';
import { createRegistry, runStudy } from '../../index.ts';
import { divergence } from '../../plugins/callbacks/divergence.ts';
import { earlyStopping } from '../../plugins/callbacks/early-stopping.ts';
import { targetReached } from '../../plugins/callbacks/target-reached.ts';
import { timeLimit } from '../../plugins/callbacks/time-limit.ts';
import { curve, tempDir, writeTabular } from '../helpers/tabular.ts';

const objective = { metric: 'val_loss', mode: 'min' as const };
const trial = { trialId: 1 } as TrialView;
const report = (metrics: Record<string, number | null>, seconds = 1): Report => ({
  progress: { examples: 100, steps: 10, seconds },
  metrics,
  batchSize: 10,
  learningRate: 0.1,
});

describe('callbacks', () => {
  test('early stopping waits `patience` reports without an improvement larger than minDelta', () => {
    const cb = earlyStopping.create({ patience: 2, minDelta: 0.01 }, { objective });
    expect(cb.onReport(report({ val_loss: 1.0 }), trial)).toBeUndefined();
    expect(cb.onReport(report({ val_loss: 0.9 }), trial)).toBeUndefined();
    expect(cb.onReport(report({ val_loss: 0.895 }), trial)).toBeUndefined();
    expect(cb.onReport(report({ val_loss: 0.893 }), trial)).toEqual({
      stop: true,
      reason: 'no improvement in val_loss by more than 0.01 for 2 reports (best 0.9)',
    });
  });

  test('early stopping follows mode max on a monitored accuracy', () => {
    const cb = earlyStopping.create({ monitor: 'val_acc', patience: 1, minDelta: 0 }, { objective });
    expect(cb.onReport(report({ val_acc: 0.5 }), trial)).toBeUndefined();
    expect(cb.onReport(report({ val_acc: 0.6 }), trial)).toBeUndefined();
    expect(cb.onReport(report({ val_acc: 0.55 }), trial)).toMatchObject({ stop: true });
  });

  test('target reached stops when the metric crosses the target in its direction', () => {
    const cb = targetReached.create({ target: 0.2 }, { objective });
    expect(cb.onReport(report({ val_loss: 0.3 }), trial)).toBeUndefined();
    expect(cb.onReport(report({ val_loss: 0.19 }), trial)).toEqual({ stop: true, reason: 'val_loss reached 0.19 (target 0.2)' });
  });

  test('divergence stops on a null metric and on a loss blow-up', () => {
    const cb = divergence.create({ loss: 'train_loss', factor: 10 }, { objective });
    expect(cb.onReport(report({ train_loss: 2 }), trial)).toBeUndefined();
    expect(cb.onReport(report({ train_loss: 19 }), trial)).toBeUndefined();
    expect(cb.onReport(report({ train_loss: 21 }), trial)).toEqual({ stop: true, reason: 'diverged: train_loss 21 > 10 × first value 2' });
    expect(cb.onReport(report({ train_loss: null }), { trialId: 2 } as TrialView)).toEqual({
      stop: true,
      reason: 'diverged: train_loss is null',
    });
  });

  test('time limit stops after the trial trained that long', () => {
    const cb = timeLimit.create({ seconds: 5 }, { objective });
    expect(cb.onReport(report({}, 4.9), trial)).toBeUndefined();
    expect(cb.onReport(report({}, 5), trial)).toMatchObject({ stop: true });
  });
});

describe('callbacks in a search', () => {
  const dir = tempDir();
  const file = writeTabular(dir, {
    name: 'diverging',
    metric: 'val_acc',
    mode: 'max',
    configs: [
      { params: { batchSize: 8, learningRate: 0.1 }, curves: [curve(8, 1000, 5, (f) => ({ val_acc: f < 0.5 ? f : null }))] },
      { params: { batchSize: 16, learningRate: 0.1 }, curves: [curve(16, 1000, 5, (f) => ({ val_acc: 0.5 * f }))] },
    ],
  });

  test('a null metric stops the trial as diverged, and the best comes from the others', async () => {
    const summary = await runStudy(
      { budget: { limit: 1e6 }, strategy: { type: 'grid' }, trainer: { type: 'tabular', file }, callbacks: [{ type: 'divergence' }] },
      { journal: new MemoryStore() },
    );
    expect(summary.trials[0]).toMatchObject({
      state: 'stopped',
      reason: 'divergence: diverged: val_acc is null',
      value: null,
      resource: 600,
    });
    expect(summary.best).toMatchObject({ trialId: 1, value: 0.5 });
  });

  test('a callback that throws is reported with its name and hook, and the search goes on', async () => {
    const registry = createRegistry().register(
      defineCallback({
        name: 'broken',
        description: 'throws',
        schema: { type: 'object', properties: {} },
        create: () => ({
          onReport() {
            throw new Error('boom');
          },
        }),
      }),
    );
    const store = new MemoryStore();
    const summary = await runStudy(
      { budget: { limit: 1e6 }, strategy: { type: 'grid' }, trainer: { type: 'tabular', file }, callbacks: [{ type: 'broken' }] },
      { journal: store, registry },
    );
    expect(summary.trials.map((t) => t.state)).toEqual(['completed', 'completed']);
    expect(store.records).toContainEqual({
      t: 'pluginError',
      plugin: 'broken',
      hook: 'onReport',
      message: 'broken failed in onReport: boom',
      trialId: 0,
    });
  });
});
