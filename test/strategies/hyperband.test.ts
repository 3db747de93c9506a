import { hyperbandPlan } from '../../strategies/hyperband.ts';
import { tempDir } from '../helpers/tabular.ts';
import { byState, resumeRuns, study, table, writeTable, type ConfigSpec, type Trace } from './helpers.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

const dir = tempDir('batchtune-hyperband-');
const HB = { type: 'hyperband', minResource: 1000 };

/** 18 configurations whose rankings cross between 1000, 3000 and 9000 examples (all values distinct). */
const curves: Record<string, ConfigSpec> = {};
const values: Record<string, Record<number, number>> = {};
for (let j = 0; j < 18; j++) {
  const name = `c${String(j).padStart(2, '0')}`;
  const v = { 1000: 0.3 + ((j * 7) % 18) / 100, 3000: 0.5 + ((j * 11) % 18) / 100, 9000: 0.7 + ((j * 5) % 18) / 100 };
  values[name] = v;
  curves[name] = { shapes: [v] };
}

/**
 * Checks one bracket against the rule, rung by rung: of the trials sent to rung k, the top ⌈n_k/η⌉
 * by their value there (given by the table) continue to rung k + 1, best first.
 */
/** Config `name`'s value at `resource`. */
const valueAt = (name: string, resource: number): number => defined(defined(values[name], name)[resource], `${name} at ${resource}`);

function expectHalving(trace: Trace, bracket: number, resources: number[], mode: 'max' | 'min' = 'max') {
  const members = new Set(
    [...trace.tags]
      .filter(([, tag]) => (tag as { bracket: number }).bracket === bracket)
      .map(([id]) => defined(trace.names.get(id), 'trace.names.get(id)')),
  );
  const idOf = (name: string) =>
    defined(
      [...trace.names].find(([, n]) => n === name),
      '[...trace.names].find(([, n]) => n === name)',
    )[0];
  let current = trace.reached(at(resources, 0)).filter((n) => members.has(n));
  const rungs = [current];
  for (let k = 0; k + 1 < resources.length; k++) {
    const quota = Math.ceil(current.length / 3);
    const sign = mode === 'max' ? 1 : -1;
    const expected = [...current]
      .sort((a, b) => sign * (valueAt(b, at(resources, k)) - valueAt(a, at(resources, k))) || idOf(a) - idOf(b))
      .slice(0, quota);
    current = trace.reached(at(resources, k + 1)).filter((n) => members.has(n));
    expect({ bracket, rung: k + 1, promoted: current }).toEqual({ bracket, rung: k + 1, promoted: expected });
    rungs.push(current);
  }
  return rungs;
}

describe('hyperband', () => {
  const file = writeTable(dir, table(curves));

  test('the brackets of Li et al. 2017: s_max = ⌊log_η(R/r)⌋, n_s = ⌈(s_max+1)/(s+1)·η^s⌉ at R·η^-s', () => {
    expect(hyperbandPlan(1000, 9000, 3, 'examples')).toEqual([
      { iteration: 0, s: 2, n: 9, resources: [1000, 3000, 9000] },
      { iteration: 0, s: 1, n: 5, resources: [3000, 9000] },
      { iteration: 0, s: 0, n: 3, resources: [9000] },
    ]);
    // R = 81, r = 1, η = 3: the table in Li et al. (n = 81, 34, 15, 8, 5).
    expect(hyperbandPlan(1, 81, 3, 'seconds').map((b) => [b.n, b.resources[0]])).toEqual([
      [81, 1],
      [34, 3],
      [15, 9],
      [8, 27],
      [5, 81],
    ]);
  });

  test('runs the brackets in order, each by successive halving, and tags trials with their bracket', async () => {
    const { summary, trace } = await study(file, HB);
    // Concurrency 1: bracket 2 (trials 0-8), then bracket 1 (9-13), then bracket 0 (14-16).
    expect([...trace.tags.values()]).toEqual([
      ...new Array<object>(9).fill({ bracket: 2 }),
      ...new Array<object>(5).fill({ bracket: 1 }),
      ...new Array<object>(3).fill({ bracket: 0 }),
    ]);
    expect(summary.trials.map((t) => t.tag)).toEqual([...trace.tags.values()]);
    const b2 = expectHalving(trace, 2, [1000, 3000, 9000]);
    const b1 = expectHalving(trace, 1, [3000, 9000]);
    const b0 = expectHalving(trace, 0, [9000]);
    expect([b2.map((r) => r.length), b1.map((r) => r.length), b0.map((r) => r.length)]).toEqual([[9, 3, 1], [5, 2], [3]]);
    // Every config drawn once: 17 of the 18.
    expect(new Set(trace.names.values()).size).toBe(17);
    // Spend: 9×1000 + 3×2000 + 1×6000, 5×3000 + 2×6000, 3×9000.
    expect(summary.budget.spent).toBe(21000 + 27000 + 27000);
    // Best: the best at 9000 among the six finalists of the three brackets.
    const finalists = [...at(b2, 2), ...at(b1, 1), ...at(b0, 0)];
    const top = at(
      finalists.sort((a, b) => valueAt(b, 9000) - valueAt(a, 9000)),
      0,
    );
    expect(summary.best).toMatchObject({ params: { name: top }, value: valueAt(top, 9000), resource: 9000 });
    expect((byState(summary)['completed'] ?? []).sort()).toEqual([...finalists].sort());
    expect(trace.steps[trace.steps.length - 1]).toBe('done');
  });

  test('min mode', async () => {
    const loss = Object.fromEntries(Object.entries(values).map(([n, v]) => [n, { shapes: [v] }]));
    const { summary, trace } = await study(writeTable(dir, table(loss, { metric: 'val_loss', mode: 'min' })), HB);
    const b2 = expectHalving(trace, 2, [1000, 3000, 9000], 'min');
    const b1 = expectHalving(trace, 1, [3000, 9000], 'min');
    const b0 = expectHalving(trace, 0, [9000], 'min');
    const top = at(
      [...at(b2, 2), ...at(b1, 1), ...at(b0, 0)].sort((a, b) => valueAt(a, 9000) - valueAt(b, 9000)),
      0,
    );
    expect(summary.best).toMatchObject({ params: { name: top }, metric: 'val_loss' });
  });

  test('a small space: the pool runs dry and later brackets get what is left', async () => {
    const small = Object.fromEntries(Object.entries(curves).slice(0, 11));
    const { summary, trace } = await study(writeTable(dir, table(small)), HB);
    expect([...trace.tags.values()]).toEqual([...new Array<object>(9).fill({ bracket: 2 }), ...new Array<object>(2).fill({ bracket: 1 })]);
    expectHalving(trace, 2, [1000, 3000, 9000]);
    expectHalving(trace, 1, [3000, 9000]);
    expect(summary.trials).toHaveLength(11);
  });

  test('the budget is shared: the search ends when the ledger is spent', async () => {
    const { summary, trace } = await study(file, HB, { budget: { limit: 30000 } });
    expect(summary.budget.spent).toBeLessThanOrEqual(30000);
    // Bracket 2 (21000) ran whole; bracket 1 started with what was left.
    expectHalving(trace, 2, [1000, 3000, 9000]);
    expect([...trace.tags.values()].filter((t) => (t as { bracket: number }).bracket === 1).length).toBe(3);
    expect(summary.best?.resource).toBe(9000);
  });

  test('iterations repeat the brackets with fresh configurations, tagged with the iteration', async () => {
    const { trace } = await study(file, { ...HB, minResource: 3000, iterations: 2 });
    // s_max = 1: brackets (n=3 at 3000, n=2 at 9000), twice = 10 configs.
    expect([...trace.tags.values()]).toEqual([
      ...new Array<object>(3).fill({ bracket: 1, iteration: 0 }),
      ...new Array<object>(2).fill({ bracket: 0, iteration: 0 }),
      ...new Array<object>(3).fill({ bracket: 1, iteration: 1 }),
      ...new Array<object>(2).fill({ bracket: 0, iteration: 1 }),
    ]);
  });

  test('with concurrency 4 a waiting bracket lends its free slots to the next one; same seed, same decisions', async () => {
    const one = await study(file, HB, { concurrency: 4 });
    const two = await study(file, HB, { concurrency: 4 });
    expect(one.trace.steps).toEqual(two.trace.steps);
    expect(one.summary.best).toEqual(two.summary.best);
    // Each bracket still obeys the rule rung by rung.
    expectHalving(one.trace, 2, [1000, 3000, 9000]);
    expectHalving(one.trace, 1, [3000, 9000]);
    expectHalving(one.trace, 0, [9000]);
    // Bracket 1 started before bracket 2 finished.
    const firstOfB1 = one.trace.decisions.findIndex((d) => d.kind === 'start' && d.resource === 3000);
    const lastOfB2 = one.trace.steps.lastIndexOf(
      defined(
        one.trace.steps.find((s) => s.endsWith('@9000') && s.startsWith('continue')),
        'continue',
      ),
    );
    expect(firstOfB1).toBeLessThan(lastOfB2);
  });

  test('invalid options', async () => {
    await expect(study(file, { type: 'hyperband', reductionFactor: 1 })).rejects.toThrow('strategy.reductionFactor: must be >= 2 (got 1)');
    await expect(study(file, { type: 'hyperband', minResource: 100000, maxResource: 50000 })).rejects.toThrow(
      'strategy.minResource: must be < maxResource (got 100000 >= 50000)',
    );
    await expect(study(file, { type: 'hyperband', brackets: 2 })).rejects.toThrow('strategy.brackets: unknown key');
  });

  test('resume after a kill mid-bracket: same decisions, same best', async () => {
    const { whole, resumed } = await resumeRuns(dir, file, HB, { concurrency: 3 }, (n) =>
      Array.from({ length: Math.floor((n - 3) / 9) }, (_, i) => 3 + 9 * i),
    );
    expect(resumed.length).toBeGreaterThan(10);
    for (const run of resumed) {
      expect({ cut: run.cut, steps: run.trace.steps }).toEqual({ cut: run.cut, steps: whole.trace.steps });
      expect(run.summary.best).toEqual(whole.summary.best);
      expect(run.summary.trials.map((t) => [t.state, t.resource, t.tag])).toEqual(
        whole.summary.trials.map((t) => [t.state, t.resource, t.tag]),
      );
    }
  });
});
