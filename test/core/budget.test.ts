import { MemoryStore } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import { curve, tempDir, writeTabular, knownTable } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';

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
    expect(summary.trials.map((t) => t.resource)).toEqual([10000, 10000, 4000, 0]);
    // The cap cut the third trial's only segment: it is judged where it stopped, and not compared as if complete.
    expect(summary.trials[2]).toMatchObject({
      state: 'pruned',
      reason: 'budget exhausted at 4000 of its target 10000 examples (judged there)',
    });
    expect(at(summary.trials, 2).segments).toEqual([{ target: 10000, reached: 4000, sharedWith: 0 }]);
    // The fourth could not buy one recorded point with what was left: it is skipped, and the search ends.
    expect(summary.trials[3]).toMatchObject({
      state: 'pruned',
      resource: 0,
      reason: 'the budget left (1000 examples) cannot buy one step at batch size 512',
    });
  });

  test('a trial that cannot buy one point is skipped, not overspent, and does not end the search for the others', async () => {
    const summary = await study({ limit: 21000 });
    expect(summary.budget.spent).toBe(20000);
    expect(summary.trials.map((t) => [t.state, t.resource])).toEqual([
      ['completed', 10000],
      ['completed', 10000],
      ['pruned', 0],
      ['pruned', 0],
    ]);
  });

  test('a steps budget caps steps', async () => {
    const summary = await study({ unit: 'steps', limit: 1300 });
    expect(summary.budget.spent).toBeLessThanOrEqual(1300);
    expect(at(summary.trials, 0).progress.steps).toBe(1250);
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
