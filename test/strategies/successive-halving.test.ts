import { defineTrainer, InfeasibleError, MemoryStore } from '../../core/index.ts';
import { createRegistry, runStudy } from '../../index.ts';
import { tabularTrainer } from '../../plugins/trainers/tabular.ts';
import { configsForBudget, halvingCost } from '../../strategies/successive-halving.ts';
import { ladder } from '../../strategies/rungs.ts';
import { tempDir } from '../helpers/tabular.ts';
import { byState, flat, resumeRuns, sorted, study, table, writeTable, type ConfigSpec } from './helpers.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

const dir = tempDir('batchtune-sha-');
const SHA = { type: 'successive-halving', minResource: 1000, nConfigs: 9 };

/**
 * Nine configurations. At 1000 examples a > b > c > d > e..i; at 3000 among a, b, c: c > b > a;
 * d would have been best at 9000, but successive halving judges it at 1000 and stops it there.
 */
const nine: Record<string, ConfigSpec> = {
  a: { shapes: [{ 1000: 0.6, 3000: 0.7, 9000: 0.8 }] },
  b: { shapes: [{ 1000: 0.59, 3000: 0.72, 9000: 0.82 }] },
  c: { shapes: [{ 1000: 0.58, 3000: 0.75, 9000: 0.9 }] },
  d: { shapes: [{ 1000: 0.57, 3000: 0.74, 9000: 0.95 }] },
  ...flat({ e: 0.5, f: 0.49, g: 0.48, h: 0.47, i: 0.46 }),
};

describe('successive-halving', () => {
  const file = writeTable(dir, table(nine));

  test('the rungs are minResource·η^k up to maxResource', () => {
    expect(ladder(1000, 9000, 3, 'examples')).toEqual([1000, 3000, 9000]);
    // 20000/2000 is not a power of 3: the top rung is stretched to maxResource rather than adding 18000 and 20000.
    expect(ladder(2000, 20000, 3, 'examples')).toEqual([2000, 6000, 20000]);
    expect(ladder(1000, 8000, 2, 'examples')).toEqual([1000, 2000, 4000, 8000]);
    expect(ladder(5000, 8000, 2, 'examples')).toEqual([5000, 8000]);
  });

  test('max mode: rung by rung, the top ⌈n/η⌉ continue and the rest are stopped', async () => {
    const { summary, trace } = await study(file, SHA);
    const { steps } = trace;
    expect(sorted(steps.slice(0, 9))).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((n) => `start ${n}@1000`));
    // Rung 0 (1000 examples): 9 trials, the top 3 go on; stops first, then continues best first.
    expect(sorted(steps.slice(9, 15))).toEqual(['stop d', 'stop e', 'stop f', 'stop g', 'stop h', 'stop i']);
    expect(steps.slice(15, 18)).toEqual(['continue a@3000', 'continue b@3000', 'continue c@3000']);
    // Rung 1 (3000 examples): 3 trials, the top 1 goes on.
    expect(sorted(steps.slice(18, 20))).toEqual(['stop a', 'stop b']);
    expect(steps.slice(20)).toEqual(['continue c@9000', 'done']);
    expect(trace.reached(3000)).toEqual(['a', 'b', 'c']);
    expect(trace.reached(9000)).toEqual(['c']);

    expect(summary.best).toMatchObject({ params: { name: 'c' }, value: 0.9, resource: 9000 });
    expect(byState(summary)).toEqual({ completed: ['c'], pruned: ['a', 'b', 'd', 'e', 'f', 'g', 'h', 'i'] });
    // Promoted trials continue: 9 × 1000 + 3 × 2000 + 1 × 6000.
    expect(summary.budget.spent).toBe(21000);
    expect(
      defined(
        summary.trials.find((t) => t.params.name === 'e'),
        'e',
      ).reason,
    ).toBe('successive-halving: not in the top 3 of 9 at 1000 examples');
  });

  test('min mode ranks the lowest first', async () => {
    const loss = Object.fromEntries(
      Object.entries(nine).map(([name, spec]) => [
        name,
        { shapes: spec.shapes.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, 1 - (v as number)]))) },
      ]),
    );
    const { summary, trace } = await study(writeTable(dir, table(loss, { metric: 'val_loss', mode: 'min' })), SHA);
    expect(trace.reached(3000)).toEqual(['a', 'b', 'c']);
    expect(trace.reached(9000)).toEqual(['c']);
    expect(summary.best).toMatchObject({ params: { name: 'c' }, metric: 'val_loss', resource: 9000 });
    expect(defined(summary.best, 'summary.best').value).toBeCloseTo(0.1);
  });

  test('a tie at the cut goes to the lower trial id', async () => {
    const tied = { ...nine, d: { shapes: [{ 1000: 0.58, 3000: 0.74, 9000: 0.95 }] } };
    const { trace } = await study(writeTable(dir, table(tied)), SHA);
    const id = (name: string) =>
      defined(
        [...trace.names].find(([, n]) => n === name),
        '[...trace.names].find(([, n]) => n === name)',
      )[0];
    const winner = id('c') < id('d') ? 'c' : 'd';
    expect(trace.reached(3000)).toEqual(['a', 'b', winner]);
    // Same for another seed, where the order of the two may differ.
    const other = await study(writeTable(dir, table(tied)), SHA, { seed: 8 });
    const id8 = (name: string) =>
      defined(
        [...other.trace.names].find(([, n]) => n === name),
        '[...other.trace.names].find(([, n]) => n === name)',
      )[0];
    expect(other.trace.reached(3000)).toEqual(['a', 'b', id8('c') < id8('d') ? 'c' : 'd']);
  });

  test('diverged (null) trials are never promoted, even when the quota has room', async () => {
    const curves: Record<string, ConfigSpec> = {
      a: { shapes: [{ 1000: 0.9, 2000: null }] }, // best at rung 0, then diverges
      b: { shapes: [{ 1000: 0.6, 3000: 0.7, 9000: 0.8 }] },
      c: { shapes: [{ 1000: 0.5, 3000: 0.6, 9000: 0.7 }] },
      ...Object.fromEntries(['d', 'e', 'f', 'g', 'h', 'i'].map((n) => [n, { shapes: [{ 1000: null }] }])),
    };
    const { summary, trace } = await study(writeTable(dir, table(curves)), SHA);
    // Quota 3 of 9, three finite: a, b, c continue; the six diverged ones are stopped.
    expect(trace.reached(3000)).toEqual(['a', 'b', 'c']);
    expect(sorted(trace.stopped().slice(0, 6))).toEqual(['d', 'e', 'f', 'g', 'h', 'i']);
    // At 3000 a is null: b continues.
    expect(trace.reached(9000)).toEqual(['b']);
    expect(summary.best).toMatchObject({ params: { name: 'b' }, value: 0.8 });

    const mostlyNull = await study(
      writeTable(
        dir,
        table({
          ...flat({ a: 0.6, b: 0.5 }),
          ...Object.fromEntries(['c', 'd', 'e', 'f', 'g', 'h', 'i'].map((n) => [n, { shapes: [{ 1000: null }] }])),
        }),
      ),
      SHA,
    );
    // Quota 3, but only two have a finite value.
    expect(mostlyNull.trace.reached(3000)).toEqual(['a', 'b']);
    expect(mostlyNull.trace.reached(9000)).toEqual(['a']);
  });

  test('a failed trial never blocks its rung and keeps its place in n', async () => {
    const t = table(nine);
    const configs = [...t.configs.map((c) => c.params), { batchSize: 999, learningRate: 0.1, name: 'ghost' }];
    const { summary, trace } = await study(writeTable(dir, t), { ...SHA, nConfigs: 10 }, { space: { configs } });
    expect(byState(summary).failed).toEqual(['ghost']);
    // n_0 = 10 → ⌈10/3⌉ = 4 continue: a, b, c, d (the ghost is not among them).
    expect(trace.reached(3000)).toEqual(['a', 'b', 'c', 'd']);
    expect(trace.reached(9000)).toEqual(['c', 'd']);
    expect(summary.best).toMatchObject({ params: { name: 'd' }, value: 0.95 });
  });

  test('a trial stopped by a callback (divergence) never blocks its rung', async () => {
    const curves = { ...nine, b: { shapes: [{ 1000: 0.59, 2000: null, 3000: 0.9, 9000: 0.99 }] } };
    const { summary, trace } = await study(writeTable(dir, table(curves)), SHA, { callbacks: [{ type: 'divergence' }] });
    expect(trace.reached(3000)).toEqual(['a', 'b', 'c']);
    const b = defined(
      summary.trials.find((t) => t.params.name === 'b'),
      'b',
    );
    expect(b.state).toBe('stopped');
    expect(b.resource).toBe(2000);
    // Rung 1 is judged on a and c.
    expect(trace.reached(9000)).toEqual(['c']);
    expect(sorted(trace.stopped().slice(6))).toEqual(['a']);
    expect(summary.best).toMatchObject({ params: { name: 'c' }, value: 0.9 });
  });

  test('infeasible trials (out of memory) never block a rung', async () => {
    // A tabular trainer whose batch sizes of 256 and more do not fit in memory.
    const oom = defineTrainer<{ file: string }>({
      ...tabularTrainer,
      name: 'tabular-oom',
      create(options, env) {
        const inner = tabularTrainer.create(options, env);
        return {
          prepare: () => inner.prepare(),
          async open(trial) {
            if (trial.params.batchSize >= 256) throw new InfeasibleError(trial.params.batchSize, 'out of memory');
            return inner.open(trial);
          },
        };
      },
    });
    const registry = createRegistry().register(oom);
    // table() gives a..i the batch sizes 8, 16, 32, 64, 128, 256, 512, 8, 16: f and g do not fit.
    const summary = await runStudy(
      { seed: 7, budget: { limit: 1e9 }, strategy: SHA, trainer: { type: 'tabular-oom', file } },
      { registry, journal: new MemoryStore() },
    );
    const infeasible = summary.trials
      .filter((t) => t.state === 'infeasible')
      .map((t) => String(t.params.name))
      .sort();
    expect(infeasible).toEqual(['f', 'g']);
    expect(summary.best).toMatchObject({ params: { name: 'c' }, value: 0.9 });
    expect(byState(summary).completed).toEqual(['c']);
  });

  test('best is the best trial at the top rung, not a better value at a lower rung', async () => {
    // a is stopped by the target-reached callback at 2000 with 0.99; c is the best that reached 9000.
    const curves = { ...nine, a: { shapes: [{ 1000: 0.6, 2000: 0.99, 3000: 0.99, 9000: 0.99 }] } };
    const { summary } = await study(writeTable(dir, table(curves)), SHA, { callbacks: [{ type: 'target-reached', target: 0.98 }] });
    expect(
      defined(
        summary.trials.find((t) => t.params.name === 'a'),
        'a',
      ).state,
    ).toBe('stopped');
    expect(summary.best).toMatchObject({ params: { name: 'c' }, resource: 9000 });
  });

  test('a trial the trainer can take no further (short curve) is not promoted, and best is still judged at the top rung', async () => {
    const t = table({ ...nine, a: { shapes: [{ 1000: 0.99 }] } });
    at(t.configs, 0).curves[0] = at(at(t.configs, 0).curves, 0).slice(0, 1); // a's curve ends at 1000 examples
    const { summary, trace } = await study(writeTable(dir, t), SHA);
    expect(trace.reached(3000)).toEqual(['b', 'c', 'd']);
    expect(trace.stopped()).not.toContain('a');
    expect(summary.trials.find((x) => x.params.name === 'a')).toMatchObject({ state: 'completed', resource: 1000, value: 0.99 });
    // At 3000 examples c (0.75) beats d (0.74) and b (0.72).
    expect(summary.best).toMatchObject({ params: { name: 'c' }, value: 0.9, resource: 9000 });
  });

  describe('fixed budget: n from the budget', () => {
    test('C(n) = Σ n_k (r_k − r_{k−1}) and n* = max{n : C(n) ≤ B}', () => {
      const rungs = [1000, 3000, 9000];
      expect(halvingCost(9, rungs, 3)).toBe(9 * 1000 + 3 * 2000 + 1 * 6000);
      expect(halvingCost(10, rungs, 3)).toBe(10 * 1000 + 4 * 2000 + 2 * 6000);
      expect(configsForBudget(21000, rungs, 3, Infinity)).toBe(9);
      expect(configsForBudget(29999, rungs, 3, Infinity)).toBe(9);
      expect(configsForBudget(30000, rungs, 3, Infinity)).toBe(10);
      expect(configsForBudget(1e9, rungs, 3, 12)).toBe(12);
    });

    test('the run fits the budget and starts n* configurations', async () => {
      const twelve = { ...nine, ...flat({ j: 0.3, k: 0.2, l: 0.1 }) };
      const { summary } = await study(
        writeTable(dir, table(twelve)),
        { type: 'successive-halving', minResource: 1000 },
        { budget: { limit: 29999 } },
      );
      expect(summary.trials).toHaveLength(9);
      expect(summary.budget.spent).toBeLessThanOrEqual(29999);
      expect(summary.trials.filter((t) => t.state === 'completed')).toHaveLength(1);
    });

    test('a trials budget gives n, and the started trials are still promoted', async () => {
      const { summary, trace } = await study(
        file,
        { type: 'successive-halving', minResource: 1000 },
        { budget: { unit: 'trials', limit: 9 } },
      );
      expect(summary.trials).toHaveLength(9);
      expect(trace.reached(3000)).toEqual(['a', 'b', 'c']);
      expect(trace.reached(9000)).toEqual(['c']);
    });

    test('a budget too small for one rung fails at validation, naming the numbers', async () => {
      await expect(study(file, { type: 'successive-halving', minResource: 1000 }, { budget: { limit: 1000 } })).rejects.toThrow(
        'strategy: the budget (1000 examples) is too small for one rung (n × minResource = 3 × 1000 = 3000 examples); raise budget.limit or lower strategy.minResource',
      );
      await expect(study(file, { type: 'successive-halving', minResource: 1000 }, { budget: { limit: 5000 } })).rejects.toThrow(
        'strategy: the budget (5000 examples) cannot take 3 configurations through the rungs 1000, 3000, 9000 (needs 11000 examples)',
      );
    });
  });

  test('invalid options fail with the field, the value and the rule', async () => {
    await expect(study(file, { type: 'successive-halving', reductionFactor: 1 })).rejects.toThrow(
      'strategy.reductionFactor: must be >= 2 (got 1)',
    );
    await expect(study(file, { type: 'successive-halving', minResource: 100000, maxResource: 50000 })).rejects.toThrow(
      'strategy.minResource: must be < maxResource (got 100000 >= 50000)',
    );
    await expect(study(file, { type: 'successive-halving', nConfig: 3 })).rejects.toThrow(
      'strategy.nConfig: unknown key (did you mean "nConfigs"?)',
    );
    await expect(study(file, { type: 'successive-halving', nConfigs: 0 })).rejects.toThrow('strategy.nConfigs: must be >= 1 (got 0)');
  });

  test('defaults: maxResource from the trainer, minResource = max/η², η = 3', async () => {
    const { trace } = await study(file, { type: 'successive-halving', nConfigs: 9 });
    expect(trace.reached(1000)).toHaveLength(9);
    expect(trace.reached(9000)).toEqual(['c']);
  });

  test('with concurrency 3 the rungs are the same (synchronous)', async () => {
    const { trace } = await study(file, SHA, { concurrency: 3 });
    expect(trace.reached(3000)).toEqual(['a', 'b', 'c']);
    expect(trace.reached(9000)).toEqual(['c']);
    expect(trace.steps).toContain('wait');
  });

  test('resume after a kill mid-rung: same promotions, same best', async () => {
    const { whole, resumed } = await resumeRuns(dir, file, SHA, { concurrency: 2 }, (n) =>
      Array.from({ length: Math.floor((n - 3) / 4) }, (_, i) => 3 + 4 * i),
    );
    expect(resumed.length).toBeGreaterThan(10);
    for (const run of resumed) {
      expect({ cut: run.cut, steps: run.trace.steps }).toEqual({ cut: run.cut, steps: whole.trace.steps });
      expect(run.summary.best).toEqual(whole.summary.best);
      expect(run.summary.trials.map((t) => [t.state, t.resource])).toEqual(whole.summary.trials.map((t) => [t.state, t.resource]));
      expect(run.summary.budget).toEqual(whole.summary.budget);
    }
  });
});
