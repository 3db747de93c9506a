import { MemoryStore } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import { curve, tempDir, writeTabular, knownTable } from '../helpers/tabular.ts';

const dir = tempDir();
const file = writeTabular(dir, knownTable());

function study(budget: object, strategy: object = { type: 'grid' }) {
  return runStudy({ seed: 3, budget, strategy, trainer: { type: 'tabular', file } }, { journal: new MemoryStore() });
}

describe('budget ledger', () => {
  test('an examples budget that covers every config runs them all to the end', async () => {
    const summary = await study({ limit: 40000 });
    expect(summary.budget).toEqual({ unit: 'examples', limit: 40000, spent: 40000 });
    expect(summary.trials.map((t) => t.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
  });

  test('examples are never overspent: the last segment is truncated at a recorded point', async () => {
    const summary = await study({ limit: 25000 });
    expect(summary.budget.spent).toBeLessThanOrEqual(25000);
    expect(summary.budget.spent).toBe(24000);
    expect(summary.trials.map((t) => t.resource)).toEqual([10000, 10000, 4000]);
    expect(summary.trials[2].state).toBe('pruned');
    expect(summary.trials[2].reason).toBe('budget exhausted before it was promoted');
  });

  test('a segment that cannot buy one point is skipped, not overspent', async () => {
    const summary = await study({ limit: 21000 });
    expect(summary.budget.spent).toBe(20000);
    expect(summary.trials).toHaveLength(3);
    expect(summary.trials[2].resource).toBe(0);
  });

  test('a steps budget caps steps', async () => {
    const summary = await study({ unit: 'steps', limit: 1300 });
    expect(summary.budget.spent).toBeLessThanOrEqual(1300);
    expect(summary.trials[0].progress.steps).toBe(1250);
  });

  test('a seconds budget overshoots by at most one segment point', async () => {
    const table = knownTable();
    table.configs = [{ params: { batchSize: 8, learningRate: 0.1 }, curves: [curve(8, 10000, 10, (f) => ({ val_acc: f }), 0.001)] }];
    const secondsFile = writeTabular(dir, table, 'seconds.json');
    const summary = await runStudy(
      { seed: 1, budget: { unit: 'seconds', limit: 4.5 }, strategy: { type: 'grid' }, trainer: { type: 'tabular', file: secondsFile } },
      { journal: new MemoryStore() },
    );
    expect(summary.budget.spent).toBeLessThanOrEqual(4.5);
    expect(summary.budget.spent).toBeCloseTo(4);
  });

  test('a trials budget starts no more trials than allowed', async () => {
    const summary = await study({ unit: 'trials', limit: 2 });
    expect(summary.trials).toHaveLength(2);
    expect(summary.budget).toEqual({ unit: 'trials', limit: 2, spent: 2 });
  });
});
