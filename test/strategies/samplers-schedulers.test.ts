import { resolve } from 'node:path';
import { JsonlFileStore, MemoryStore, paramsKey, type JournalRecord, type SearchSummary } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import { loadTabularFile } from '../../plugins/trainers/tabular-file.ts';
import { tempDir } from '../helpers/tabular.ts';
import { table, traceOf, writeTable, type ConfigSpec, type Trace } from './helpers.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

const dir = tempDir('batchtune-compose-');
const SAMPLERS = ['grid', 'random', 'tpe', 'critical-batch'];
const SCHEDULERS: Array<Record<string, unknown>> = [
  { type: 'fifo' },
  { type: 'successive-halving' },
  { type: 'hyperband' },
  { type: 'asha' },
  { type: 'median-stopping' },
  { type: 'batch-increase' },
];

async function search(
  config: Record<string, unknown>,
  journal = new MemoryStore() as MemoryStore | JsonlFileStore,
  resume = false,
): Promise<{ summary: SearchSummary; records: JournalRecord[]; trace: Trace }> {
  const summary = await runStudy({ seed: 7, ...config }, { journal, ...(resume ? { resume: true } : {}) });
  const records = (journal instanceof JsonlFileStore ? new JsonlFileStore(journal.path).read() : journal.read()) as JournalRecord[];
  return { summary, records, trace: traceOf(records) };
}

/** Real recordings: a plain PyTorch loop (report points off the rung targets) and two tfjs recordings. */
const TABLES = ['test/fixtures/tabular/digits-steps.json', 'bench/data/mnist-mlp.json', 'bench/data/mnist-cnn.json'].map((f) => resolve(f));

describe.each(TABLES)('every sampler under every scheduler on %s', (file) => {
  const recorded = loadTabularFile(file, process.cwd(), 'file');
  const known = new Set(recorded.configs.map((c) => paramsKey(c.params)));
  const gridSpend = recorded.configs.reduce((sum, c) => sum + defined(at(c.curves, 0).at(-1), 'a curve point').examples, 0);
  const cases = SAMPLERS.flatMap((sampler) => SCHEDULERS.map((scheduler) => [sampler, scheduler.type as string, scheduler] as const));

  test.each(cases)('%s under %s', async (sampler, _name, scheduler) => {
    const limit = Math.floor(gridSpend / 3);
    const config = { budget: { unit: 'examples', limit }, trainer: { type: 'tabular', file }, sampler: { type: sampler }, scheduler };
    const { summary, records } = await search(config);
    expect(summary.error).toBeUndefined();
    expect(summary.budget.spent).toBeLessThanOrEqual(limit);
    expect(summary.trials.length).toBeGreaterThan(0);
    // Every trial is a configuration of the table; no sampler proposes one twice (the batch-increase
    // scheduler runs one configuration under each of its schedules).
    const starts = records.filter((r) => r.t === 'trialStart');
    for (const s of starts) expect(known.has(paramsKey(s.params))).toBe(true);
    const distinct = new Set(starts.map((s) => paramsKey(s.params))).size;
    expect(distinct).toBe(scheduler.type === 'batch-increase' ? 1 : starts.length);
    expect(summary.best).toBeDefined();
    expect(Number.isFinite(defined(summary.best, 'summary.best').value)).toBe(true);
    // Same seed, same decisions.
    const again = await search(config);
    expect(again.trace.steps).toEqual(traceOf(records).steps);
  });
});

describe('conformance: promotions per scheduler with the grid sampler (configurations in order, c0 first)', () => {
  const increasing = (n: number): Record<string, ConfigSpec> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, { shapes: [{ 1000: 0.5 + i / 100, 9000: 0.6 + i / 100 }] }]));
  const decreasing = (n: number): Record<string, ConfigSpec> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, { shapes: [{ 1000: 0.5 - i / 100, 9000: 0.6 - i / 100 }] }]));
  const names = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `c${from + i}`);
  const rungs = { minResource: 1000, maxResource: 9000 };

  /** scheduler → table, and the configurations expected at 3000 and 9000 and stopped (sorted). */
  const TABLE: Array<
    [string, Record<string, unknown>, Record<string, ConfigSpec>, { at3000: string[]; at9000: string[]; stopped: string[] }]
  > = [
    ['fifo', { type: 'fifo', maxResource: 9000 }, increasing(9), { at3000: [], at9000: names(0, 8), stopped: [] }],
    // 9 at 1000, the top 3 at 3000, the top 1 at 9000; the rest stopped at their rung.
    [
      'successive-halving',
      { type: 'successive-halving', ...rungs, nConfigs: 9 },
      increasing(9),
      { at3000: ['c6', 'c7', 'c8'], at9000: ['c8'], stopped: names(0, 7) },
    ],
    // Brackets s = 2 (9 from 1000), s = 1 (5 from 3000, top 2 to 9000), s = 0 (3 at 9000).
    [
      'hyperband',
      { type: 'hyperband', ...rungs },
      increasing(17),
      {
        at3000: ['c10', 'c11', 'c12', 'c13', 'c6', 'c7', 'c8', 'c9'],
        at9000: ['c12', 'c13', 'c14', 'c15', 'c16', 'c8'],
        stopped: [...names(0, 7), 'c10', 'c11', 'c9'].sort(),
      },
    ],
    // ASHA with each newcomer better than all before: every one from the third on climbs, as soon as its rung's top ⌊n/η⌋ holds it.
    ['asha', { type: 'asha', ...rungs }, increasing(9), { at3000: names(2, 8), at9000: names(4, 8), stopped: [] }],
    // The first three have no one to compare with (minTrials 3); each later one is below the median at the first checkpoint.
    [
      'median-stopping',
      { type: 'median-stopping', minResource: 1000, interval: 2000, maxResource: 9000 },
      decreasing(9),
      { at3000: ['c0', 'c1', 'c2'], at9000: ['c0', 'c1', 'c2'], stopped: names(3, 8) },
    ],
  ];

  test.each(TABLE)('%s', async (_name, scheduler, configs, expected) => {
    const file = writeTable(dir, table(configs));
    const { trace } = await search({
      budget: { unit: 'examples', limit: 1e9 },
      trainer: { type: 'tabular', file },
      sampler: { type: 'grid' },
      scheduler,
    });
    expect([...new Set(trace.reached(3000))].sort()).toEqual([...expected.at3000].sort());
    expect([...new Set(trace.reached(9000))].sort()).toEqual([...expected.at9000].sort());
    expect(trace.stopped().sort()).toEqual(expected.stopped);
  });

  test('batch-increase: one drawn configuration, one trial per schedule, sharing a seed', async () => {
    const file = writeTable(dir, table(increasing(3)));
    const { summary, trace, records } = await search({
      budget: { unit: 'examples', limit: 1e9 },
      trainer: { type: 'tabular', file },
      sampler: { type: 'grid' },
      scheduler: { type: 'batch-increase' },
    });
    expect(summary.trials.map((t) => [t.params.name, (t.tag as { schedule: string }).schedule, t.state])).toEqual([
      ['c0', 'constant', 'completed'],
      ['c0', 'lr-decay', 'completed'],
      ['c0', 'batch-increase', 'completed'],
    ]);
    expect(new Set(records.flatMap((r) => (r.t === 'trialStart' ? [r.seed] : []))).size).toBe(1);
    expect(trace.steps.filter((s) => s.startsWith('continue')).length).toBe(6);
  });
});

describe('presets are a sampler under a scheduler', () => {
  const file = resolve('test/fixtures/tabular/digits-steps.json');
  test.each([
    [{ type: 'grid' }, { type: 'grid' }, { type: 'fifo' }],
    [{ type: 'random', nTrials: 7 }, { type: 'random' }, { type: 'fifo', nTrials: 7 }],
    [{ type: 'successive-halving' }, { type: 'random' }, { type: 'successive-halving' }],
    [{ type: 'hyperband', iterations: 2 }, { type: 'random' }, { type: 'hyperband', iterations: 2 }],
    [{ type: 'asha' }, { type: 'random' }, { type: 'asha' }],
  ])('%j = %j under %j, decision for decision', async (strategy, sampler, scheduler) => {
    const base = { budget: { unit: 'examples', limit: 700_000 }, trainer: { type: 'tabular', file }, concurrency: 2 };
    const preset = await search({ ...base, strategy });
    const pair = await search({ ...base, sampler, scheduler });
    expect(pair.trace.decisions).toEqual(preset.trace.decisions);
  });

  test('a config giving both a strategy and a sampler is refused, naming the field', async () => {
    await expect(
      runStudy({ budget: { limit: 1 }, strategy: { type: 'asha' }, sampler: { type: 'tpe' }, trainer: { type: 'tabular', file } }),
    ).rejects.toThrow(/^strategy: cannot be given with "sampler" or "scheduler"/);
    await expect(runStudy({ budget: { limit: 1 }, sampler: { type: 'tpx' }, trainer: { type: 'tabular', file } })).rejects.toThrow(
      /sampler\.type.*tpe/,
    );
    await expect(
      runStudy({ budget: { limit: 1 }, sampler: { type: 'tpe', gamma: 2 }, trainer: { type: 'tabular', file } }),
    ).rejects.toThrow(/sampler\.gamma/);
    // A scheduler's own checks name its options under "scheduler", not "strategy".
    await expect(
      runStudy({
        budget: { limit: 1e6 },
        scheduler: { type: 'asha', minResource: 1e5, maxResource: 2e4 },
        trainer: { type: 'tabular', file },
      }),
    ).rejects.toThrow(/^scheduler\.minResource: must be < maxResource/);
  });
});

describe('the model-based sampler', () => {
  /**
   * 8 batch sizes × 8 learning rates whose final value is a bowl in log₂(batch) and log(rate), with
   * a known best at batch 64, rate 0.1, plus a fixed ripple so no two are tied.
   */
  const bowl: Record<string, ConfigSpec> = {};
  const sizes = [4, 8, 16, 32, 64, 128, 256, 512];
  const rates = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3];
  const truth = new Map<string, number>();
  for (const [i, b] of sizes.entries()) {
    for (const [j, lr] of rates.entries()) {
      const v = 0.95 - 0.02 * (Math.log2(b) - 6) ** 2 - 0.03 * Math.log10(lr / 0.1) ** 2 - 0.001 * ((i * 7 + j * 3) % 5);
      const name = `b${b}-lr${lr}`;
      truth.set(name, v);
      bowl[name] = { batchSize: b, learningRate: lr, shapes: [{ 1000: v - 0.2, 3000: v - 0.05, 9000: v }] };
    }
  }
  const best = Math.max(...truth.values());
  const file = writeTable(dir, table(bowl));

  async function regrets(sampler: string, scheduler: Record<string, unknown>, limit: number): Promise<number[]> {
    const out: number[] = [];
    for (let seed = 0; seed < 12; seed++) {
      const summary = await runStudy({
        seed,
        budget: { unit: 'examples', limit },
        trainer: { type: 'tabular', file },
        sampler: { type: sampler },
        scheduler,
      });
      out.push(best - defined(truth.get(String(defined(summary.best, 'summary.best').params.name)), 'name'));
    }
    return out.sort((a, b) => a - b);
  }

  test('beats random sampling on a table whose answer is known (fifo, a quarter of the grid)', async () => {
    const scheduler = { type: 'fifo' };
    const tpe = await regrets('tpe', scheduler, 16 * 9000);
    const random = await regrets('random', scheduler, 16 * 9000);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(tpe)).toBeLessThan(mean(random) / 2);
    expect(at(tpe, 6)).toBeLessThan(at(random, 6));
  });

  test('under hyperband it learns from the rungs and still beats random', async () => {
    const scheduler = { type: 'hyperband', minResource: 1000, iterations: 4 };
    const tpe = await regrets('tpe', scheduler, 64 * 9000 * 0.25);
    const random = await regrets('random', scheduler, 64 * 9000 * 0.25);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(tpe)).toBeLessThan(mean(random));
  });

  test('a search cut anywhere resumes to the same decisions (tpe under hyperband)', async () => {
    const config = {
      budget: { unit: 'examples', limit: 64 * 9000 * 0.25 },
      trainer: { type: 'tabular', file },
      sampler: { type: 'tpe' },
      scheduler: { type: 'hyperband', minResource: 1000, iterations: 2 },
      concurrency: 3,
    };
    const path = `${dir}/tpe-full.jsonl`;
    const whole = await search(config, new JsonlFileStore(path));
    const { readFileSync, writeFileSync } = await import('node:fs');
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    for (const cut of [Math.floor(lines.length / 3), Math.floor((2 * lines.length) / 3)]) {
      const cutPath = `${dir}/tpe-cut-${cut}.jsonl`;
      writeFileSync(cutPath, `${lines.slice(0, cut).join('\n')}\n`);
      const again = await search(config, new JsonlFileStore(cutPath), true);
      expect(again.trace.steps).toEqual(whole.trace.steps);
      expect(again.summary.best?.trialId).toBe(whole.summary.best?.trialId);
    }
  });

  test("perBracket: under hyperband it learns only from the bracket it draws for (Optuna's view), and proposes differently", async () => {
    const config = (perBracket: boolean) => ({
      seed: 3,
      budget: { unit: 'examples', limit: 64 * 9000 * 0.4 },
      trainer: { type: 'tabular', file },
      sampler: { type: 'tpe', perBracket, nStartup: 4 },
      scheduler: { type: 'hyperband', minResource: 1000, iterations: 3 },
    });
    const shared = await search(config(false));
    const own = await search(config(true));
    expect(own.summary.error).toBeUndefined();
    // Brackets start fresh: the per-bracket model waits for 4 results of its own bracket, so the searches part ways.
    expect(own.trace.steps).not.toEqual(shared.trace.steps);
    const tags = [...own.trace.tags.values()].map((t) => (t as { bracket: number }).bracket);
    expect(new Set(tags)).toEqual(new Set([2, 1, 0]));
  });
});
