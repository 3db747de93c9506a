import { MemoryStore, type JournalRecord } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import { tabularTrainer } from '../../plugins/trainers/tabular.ts';
import { curve, knownTable, tempDir, writeTabular } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

const dir = tempDir();
const file = writeTabular(dir, {
  name: 'two seeds',
  metric: 'val_loss',
  mode: 'min',
  configs: [
    {
      params: { batchSize: 10, learningRate: 0.1 },
      curves: [curve(10, 1000, 4, (f) => ({ val_loss: 1 - f / 2 }), 0.002), curve(10, 1000, 4, (f) => ({ val_loss: 2 - f }), 0.003)],
    },
  ],
});

describe('tabular trainer', () => {
  test('describes the file: objective, space and the end of the curves', async () => {
    const trainer = tabularTrainer.create({ file }, { baseDir: dir, seed: 0 });
    const description = await trainer.prepare();
    expect(description).toMatchObject({
      objective: { metric: 'val_loss', mode: 'min' },
      maxResource: { examples: 1000, steps: 100, seconds: 3 },
      space: { configs: [{ batchSize: 10, learningRate: 0.1 }] },
      simulatedClock: true,
    });
  });

  test('reads curve seed mod curves, reports every point up to the last at or below the limit, and continues', async () => {
    const trainer = tabularTrainer.create({ file }, { baseDir: dir, seed: 0 });
    await trainer.prepare();
    const session = await trainer.open({ trialId: 0, params: { batchSize: 10, learningRate: 0.1 }, seed: 3 });
    const seen: number[] = [];
    const first = await session.train({ limits: { examples: 600 }, batchSize: 10, learningRate: 0.1 }, (r) => {
      seen.push(r.metrics.val_loss as number);
      return 'continue';
    });
    expect(first).toEqual({ progress: { examples: 500, steps: 50, seconds: 1.5 }, exhausted: false, stopped: false, endedBy: 'limits' });
    expect(seen).toEqual([1.75, 1.5]);
    const second = await session.train({ limits: { examples: 1000 }, batchSize: 10, learningRate: 0.1 }, () => 'continue');
    expect(second).toEqual({ progress: { examples: 1000, steps: 100, seconds: 3 }, exhausted: true, stopped: false });
  });

  test('a trial charges the recorded seconds, so a time budget replays', async () => {
    const summary = await runStudy(
      { seed: 1, budget: { unit: 'seconds', limit: 100 }, trainer: { type: 'tabular', file } },
      { journal: new MemoryStore() },
    );
    expect(summary.budget.spent).toBe(at(summary.trials, 0).progress.seconds);
    expect([2, 3]).toContain(summary.budget.spent);
    expect(summary.elapsedSeconds).toBe(summary.budget.spent);
  });

  test('params that match no config fail the trial with the reason, and the search goes on', async () => {
    const store = new MemoryStore();
    const summary = await runStudy(
      { budget: { limit: 1e6 }, space: { batchSize: [8, 32], learningRate: 0.1 }, trainer: { type: 'tabular', file: 'curves.json' } },
      { journal: store, baseDir: writeDir() },
    );
    expect(summary.trials.map((t) => t.state)).toEqual(['failed', 'completed']);
    expect(at(summary.trials, 0).reason).toBe(
      'tabular failed in open: no configuration in curves.json has params {"batchSize":8,"learningRate":0.1}',
    );
    expect((store.records as JournalRecord[]).some((r) => r.t === 'pluginError' && r.hook === 'open')).toBe(true);
  });

  test('grid with a budget covering every config finds the config with the best final metric', async () => {
    const table = knownTable();
    const knownDir = tempDir();
    writeTabular(knownDir, table);
    const summary = await runStudy(
      { budget: { limit: 1e9 }, trainer: { type: 'tabular', file: 'curves.json' } },
      { journal: new MemoryStore(), baseDir: knownDir },
    );
    const finals = table.configs.map((c) => defined(at(c.curves, 0).at(-1), 'a curve point').metrics.val_acc as number);
    const bestConfig = at(table.configs, finals.indexOf(Math.max(...finals))).params;
    expect(summary.best?.params).toEqual(bestConfig);
    expect(summary.best?.value).toBe(0.95);
  });
});

/** A folder with the known table minus batch size 8, so a space asking for 8 matches nothing. */
function writeDir(): string {
  const d = tempDir();
  const table = knownTable();
  writeTabular(d, { ...table, configs: table.configs.filter((c) => c.params.batchSize !== 8) });
  return d;
}
