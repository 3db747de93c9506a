import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';
import { tempDir } from '../helpers/tabular.ts';
import { byState, resumeRuns, study, table, writeTable, type ConfigSpec, type Trace } from './helpers.ts';

const dir = tempDir('batchtune-asha-');
const ASHA = { type: 'asha', minResource: 1000 };
const RUNGS = [1000, 3000, 9000];

/** 12 configurations whose rankings cross between rungs (distinct values at each rung). */
const values: Record<string, Record<number, number | null>> = {};
for (let j = 0; j < 12; j++) {
  values[`c${String(j).padStart(2, '0')}`] = {
    1000: 0.3 + ((j * 7) % 12) / 100,
    3000: 0.5 + ((j * 5) % 12) / 100,
    9000: 0.7 + ((j * 11) % 12) / 100,
  };
}
/** Config `name`'s value at resource `r` in `v`. */
const valueAt = (v: typeof values, name: string, r: number): number | null => defined(defined(v[name], name)[r], `${name} at ${r}`);
/** The same, undefined where the table has no value (a trial that diverged before `r`), as the model compares it. */
const recordedAt = (v: typeof values, name: string, r: number): number | null | undefined => defined(v[name], name)[r];

const curves = (v: typeof values): Record<string, ConfigSpec> =>
  Object.fromEntries(Object.entries(v).map(([n, s]) => [n, { shapes: [s] }]));

/**
 * An independent model of ASHA (Li et al. 2018, Algorithm 2) for concurrency 1, where each decision's
 * outcome is known before the next: promote the best not-yet-promoted trial of the top ⌊n_k/η⌋ of
 * rung k (⌈n_k/η⌉ once no configuration is left to start), highest rung first; else start a new
 * configuration; else done. It checks every decision of
 * the journal and says which trials reached which rung.
 */
function checkAgainstModel(
  trace: Trace,
  vals: typeof values,
  mode: 'max' | 'min' = 'max',
  poolSize = Object.keys(vals).length,
  failing = new Set<string>(),
) {
  const rungs: Array<Array<{ id: number; value: number | null | undefined }>> = RUNGS.map(() => []);
  const promoted = RUNGS.map(() => new Set<number>());
  const sign = mode === 'max' ? 1 : -1;
  const good = (v: number | null | undefined) => (v === null ? -Infinity : sign * Number(v));
  let started = 0;
  const expected = (): 'start' | 'done' | { trialId: number; resource: number } => {
    for (let k = RUNGS.length - 2; k >= 0; k--) {
      // Once every configuration has started the rungs stop growing: the quota rounds up.
      const quota = started >= poolSize ? Math.ceil(at(rungs, k).length / 3) : Math.floor(at(rungs, k).length / 3);
      const top = [...at(rungs, k)]
        .filter((e) => e.value !== null)
        .sort((a, b) => good(b.value) - good(a.value) || a.id - b.id)
        .slice(0, quota);
      const next = top.find((e) => !at(promoted, k).has(e.id));
      if (next) {
        at(promoted, k).add(next.id);
        return { trialId: next.id, resource: at(RUNGS, k + 1) };
      }
    }
    return started < poolSize ? 'start' : 'done';
  };
  for (const decision of trace.decisions) {
    const want = expected();
    if (want === 'start' || want === 'done') {
      expect(decision.kind).toBe(want);
      if (decision.kind === 'start') {
        expect(decision.resource).toBe(1000);
        const id = started++;
        // A trial that fails never reaches the rung, so it does not count there.
        if (!failing.has(String(decision.params.name)))
          at(rungs, 0).push({ id, value: recordedAt(vals, String(decision.params.name), 1000) });
      }
    } else {
      // The top rung is a trial's last segment: the engine completes it the moment it ends.
      expect(decision).toEqual({ kind: 'continue', ...want, ...(want.resource === RUNGS[RUNGS.length - 1] ? { final: true } : {}) });
      const k = RUNGS.indexOf(want.resource);
      at(rungs, k).push({
        id: want.trialId,
        value: recordedAt(vals, defined(trace.names.get(want.trialId), `trial ${want.trialId}`), want.resource),
      });
    }
  }
  return rungs.map((r) => r.map((e) => defined(trace.names.get(e.id), `trial ${e.id}`)));
}

describe('asha', () => {
  const file = writeTable(dir, table(curves(values)));

  test('concurrency 1: every decision follows the promotion rule, rung by rung', async () => {
    const { summary, trace } = await study(file, ASHA);
    const reached = checkAgainstModel(trace, values);
    expect(reached.map((r) => r.length)).toEqual([12, 4, 2]);
    // The first promotion comes as soon as rung 0 holds η = 3 trials: the best of the first three.
    const firstThree = trace.steps.slice(0, 3).map((s) => at(at(s.split(' '), 1).split('@'), 0));
    const bestOfThree = at(
      firstThree.sort((a, b) => Number(valueAt(values, b, 1000)) - Number(valueAt(values, a, 1000))),
      0,
    );
    expect(trace.steps[3]).toBe(`continue ${bestOfThree}@3000`);
    expect(trace.steps[trace.steps.length - 1]).toBe('done');
    // ASHA stops nobody: the trials left behind are pruned when the search ends.
    expect(trace.stopped()).toEqual([]);
    expect((byState(summary)['completed'] ?? []).sort()).toEqual([...at(reached, 2)].sort());
    // best() returns the best at the highest rung reached.
    const bestAtTop = at(
      [...at(reached, 2)].sort((a, b) => Number(valueAt(values, b, 9000)) - Number(valueAt(values, a, 9000))),
      0,
    );
    expect(summary.best).toMatchObject({ params: { name: bestAtTop }, resource: 9000 });
  });

  test('min mode, ties, diverged (null) and failed trials', async () => {
    const v = structuredClone(values);
    for (const [name, byRung] of Object.entries(v)) for (const r of RUNGS) byRung[r] = 1 - (valueAt(v, name, r) as number);
    v.c01 = { 1000: valueAt(v, 'c02', 1000), 3000: valueAt(v, 'c02', 3000), 9000: valueAt(v, 'c02', 9000) }; // a tie with c02 everywhere
    v.c03 = { 1000: null }; // diverged from the start
    v.c04 = { 1000: 0.01, 2000: null }; // the best at rung 0, then diverges
    const t = table(curves(v), { metric: 'val_loss', mode: 'min' });
    const configs = [...t.configs.map((c) => c.params), { batchSize: 999, learningRate: 0.1, name: 'ghost' }];
    const { summary, trace } = await study(writeTable(dir, t), ASHA, { space: { configs } });
    // The ghost fails: it never reaches a rung, so it does not count in n_0.
    const reached = checkAgainstModel(trace, v, 'min', 13, new Set(['ghost']));
    expect(byState(summary).failed).toEqual(['ghost']);
    expect(reached[1]).toContain('c04'); // promoted at 1000 with 0.01 ...
    expect(reached[2]).not.toContain('c04'); // ... and null at 3000
    expect(reached[1]).not.toContain('c03');
    const best = defined(summary.best, 'summary.best');
    expect(best.resource).toBe(9000);
    expect(best.metric).toBe('val_loss');
  });

  test('best is the best trial at the highest rung, not a better one at a lower rung', async () => {
    // c11 is poor at 1000 (never promoted) but its curve is stopped early by target-reached at 2000 with 0.99.
    const v = { ...values, c11: { 1000: 0.01, 2000: 0.99 } };
    const { summary } = await study(
      writeTable(dir, table(curves(v))),
      { ...ASHA, maxTrials: 12 },
      { callbacks: [{ type: 'target-reached', target: 0.98, metric: 'val_acc' }] },
    );
    expect(defined(summary.best, 'summary.best').resource).toBe(9000);
    expect(defined(summary.best, 'summary.best').params.name).not.toBe('c11');
  });

  test('maxTrials caps the configurations started', async () => {
    const { summary } = await study(file, { ...ASHA, maxTrials: 5 });
    expect(summary.trials).toHaveLength(5);
  });

  test('a trials budget caps the starts; the started trials are still promoted', async () => {
    const { summary, trace } = await study(file, ASHA, { budget: { unit: 'trials', limit: 9 } });
    expect(summary.trials).toHaveLength(9);
    const reached = checkAgainstModel(trace, values, 'max', 9);
    expect(reached.map((r) => r.length)).toEqual([9, 3, 1]);
    expect(summary.best).toMatchObject({ params: { name: at(at(reached, 2), 0) }, resource: 9000 });
  });

  test('concurrency 4 on the simulated clock: same seed, identical decisions; another seed, other decisions', async () => {
    const one = await study(file, ASHA, { concurrency: 4 });
    const two = await study(file, ASHA, { concurrency: 4 });
    expect(one.trace.decisions).toEqual(two.trace.decisions);
    expect(one.summary).toEqual(two.summary);
    // Four workers busy from the start.
    expect(one.trace.decisions.slice(0, 4).map((d) => d.kind)).toEqual(['start', 'start', 'start', 'start']);
    // Promotions are asked for before every configuration has started (asynchronous).
    const firstContinue = one.trace.decisions.findIndex((d) => d.kind === 'continue');
    const lastStart = one.trace.decisions.map((d) => d.kind).lastIndexOf('start');
    expect(firstContinue).toBeLessThan(lastStart);
    const other = await study(file, ASHA, { concurrency: 4, seed: 8 });
    expect(other.trace.decisions).not.toEqual(one.trace.decisions);
    expect(defined(one.summary.best, 'one.summary.best').resource).toBe(9000);
  });

  test('invalid options', async () => {
    await expect(study(file, { type: 'asha', reductionFactor: 1 })).rejects.toThrow('strategy.reductionFactor: must be >= 2 (got 1)');
    await expect(study(file, { type: 'asha', minResource: 100000, maxResource: 50000 })).rejects.toThrow(
      'strategy.minResource: must be < maxResource (got 100000 >= 50000)',
    );
    await expect(study(file, { type: 'asha', maxTrials: 0 })).rejects.toThrow('strategy.maxTrials: must be >= 1 (got 0)');
  });

  test('resume after a kill, with concurrency 4: same decisions, same best', async () => {
    const { whole, resumed } = await resumeRuns(dir, file, ASHA, { concurrency: 4 }, (n) =>
      Array.from({ length: Math.floor((n - 3) / 5) }, (_, i) => 3 + 5 * i),
    );
    expect(resumed.length).toBeGreaterThan(10);
    for (const run of resumed) {
      expect({ cut: run.cut, steps: run.trace.steps }).toEqual({ cut: run.cut, steps: whole.trace.steps });
      expect(run.summary.best).toEqual(whole.summary.best);
      expect(run.summary.trials.map((t) => [t.state, t.resource])).toEqual(whole.summary.trials.map((t) => [t.state, t.resource]));
    }
  });
});
