/**
 * `report` and the run summary name the same best configuration, on every strategy, on learning
 * curves recorded from real MNIST training (bench/data/mnist-mlp.json: 8 batch sizes × 3 learning
 * rates × 3 seeds, a report every 4,096 examples up to 40,960). Under successive halving with rungs
 * 8,192 → 40,960 most batch sizes never reach the top rung: the report judges there, as the
 * strategy did, and names the batch sizes it could not compare and why.
 */
import { MemoryStore, runStudy, viewJournal, type JournalRecord } from '../../index.ts';
import { studyOf } from '../../analysis/judging.ts';
import { recommend } from '../../analysis/recommend.ts';
import { findings } from '../../report/findings.ts';
import { defined } from '../helpers/defined.ts';

const file = new URL('../../bench/data/mnist-mlp.json', import.meta.url).pathname;
const fidelity = { minResource: 8192, maxResource: 40960, reductionFactor: 2 };
const strategies: Record<string, Record<string, unknown>> = {
  grid: { type: 'grid' },
  random: { type: 'random', maxResource: 40960 },
  'successive-halving': { type: 'successive-halving', ...fidelity },
  hyperband: { type: 'hyperband', ...fidelity },
  asha: { type: 'asha', ...fidelity },
};

async function journalOf(strategy: Record<string, unknown>, limit = 1_500_000): Promise<JournalRecord[]> {
  const store = new MemoryStore();
  const config = { seed: 3, budget: { unit: 'examples', limit }, strategy, trainer: { type: 'tabular', file } };
  await runStudy(config, { journal: store, ...(strategy.type === 'asha' ? {} : {}) });
  return store.read() as JournalRecord[];
}

describe('report agrees with the run summary on the best configuration', () => {
  for (const [name, strategy] of Object.entries(strategies)) {
    test(name, async () => {
      const records = await journalOf(strategy);
      const view = viewJournal(records);
      const best = defined(defined(view.summary, 'view.summary').best, 'best');
      const report = recommend(studyOf(view));
      expect(report.point).toMatchObject({ basis: 'search summary', bestTrialId: best.trialId });
      expect(report.recommendations.bestMetric).toMatchObject({ trialId: best.trialId, params: best.params, value: best.value });

      // A journal cut off before the search ended (no summary, trials not ended): the best trial at
      // the highest level reached, which is where every strategy here judges.
      const crashed = records.filter((r) => r.t !== 'searchEnd' && r.t !== 'trialEnd');
      const fromCrash = recommend(studyOf(viewJournal(crashed)));
      expect(fromCrash.point?.basis).toBe('highest level reached');
      expect(fromCrash.recommendations.bestMetric?.trialId).toBe(best.trialId);
    });
  }

  test('successive halving: judged at the top rung; the batch sizes that never got there are named, with why', async () => {
    const records = await journalOf(defined(strategies['successive-halving'], 'the successive-halving config'));
    const view = viewJournal(records);
    const report = recommend(studyOf(view));
    expect(defined(report.point, 'report.point').level).toBe(40960);
    const topTrials = view.trials.filter((t) => t.state === 'completed');
    const compared = new Set(topTrials.map((t) => t.params.batchSize));
    expect(report.batchSizes.filter((r) => r.value !== null).map((r) => r.batchSize)).toEqual([...compared].sort((a, b) => a - b));
    expect(compared.size).toBeLessThan(report.batchSizes.length);
    for (const row of report.batchSizes.filter((r) => !compared.has(r.batchSize))) {
      expect(row.notCompared).toMatchObject({ reason: 'not trained that far', states: ['pruned'] });
      expect(defined(row.notCompared, 'row.notCompared').furthestExamples).toBeLessThan(40960);
    }
    for (const row of report.batchSizes.filter((r) => compared.has(r.batchSize))) expect(row.examples).toBeGreaterThanOrEqual(36864);
    const said = findings(report);
    expect(said.point).toMatch(
      new RegExp(
        `^judged at 40960 examples, the level of the run summary's best trial .*; ${compared.size} of ${report.batchSizes.length} batch sizes trained that far, the others are not compared there$`,
      ),
    );
    expect(said.bestMetric).toMatch(/not compared: batch \d+ \(trained only to \d+ examples \(pruned\)\)/);
    expect(said.point).not.toMatch(/every batch size/);
  });
});
