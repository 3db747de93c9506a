/**
 * Large finite spaces are never materialised: a 10⁹-point grid runs a 20-trial random and ASHA
 * search, and a grid search, in constant memory. Small spaces keep today's order for a seed.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createRegistry,
  createRng,
  defineTrainer,
  endsBefore,
  MemoryStore,
  runStudy,
  SearchSpace,
  type Params,
  type Progress,
  type SpaceConfig,
} from '../../index.ts';
import { distinctDraws, EAGER_LIMIT } from '../../strategies/distinct-draws.ts';

/** 10 batch sizes × 10 learning rates × 10⁷ extra combinations = 10⁹ points. */
const HUGE: SpaceConfig = {
  batchSize: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
  learningRate: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
  params: { width: { int: [1, 1000] }, depth: { int: [1, 100] }, seedling: { choice: Array.from({ length: 100 }, (_, i) => i) } },
};

/** A trainer whose score is a smooth function of the params: any point of any space trains. */
const anyParams = defineTrainer<Record<string, never>>({
  name: 'any-params',
  description: 'scores every configuration it is given',
  schema: { type: 'object', properties: {} },
  create() {
    return {
      prepare() {
        return Promise.resolve({ objective: { metric: 'score', mode: 'max' as const }, maxResource: { examples: 900 } });
      },
      open({ params }) {
        let progress: Progress = { examples: 0, steps: 0, seconds: 0 };
        const quality = 1 / (1 + Math.abs(Math.log10(params.learningRate) + 1.5)) + (params.width as number) / 1e4;
        return Promise.resolve({
          async train(request, onReport) {
            const start = progress;
            const next = () => ({ examples: progress.examples + 100, steps: progress.steps + 1, seconds: progress.seconds + 0.01 });
            while (progress.examples < 900 && !endsBefore(start, progress, next(), request)) {
              progress = next();
              await onReport({
                progress,
                metrics: { score: quality * (1 - 1 / (1 + progress.examples / 100)) },
                batchSize: params.batchSize,
                learningRate: params.learningRate,
              });
            }
            return { progress, exhausted: progress.examples >= 900, stopped: false };
          },
          dispose() {},
        });
      },
    };
  },
});

const registry = () => createRegistry().register(anyParams);

// A full collection before each heap reading, with or without node --expose-gc.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

describe('a 10⁹-point space', () => {
  test('has a size and a mixed-radix index, without materialising', () => {
    const space = new SearchSpace(HUGE);
    expect(space.size).toBe(1e9);
    expect(space.radices()).toEqual([100, 1000, 100, 100]);
    expect(space.pointAt([0, 0, 0, 0])).toEqual({ batchSize: 8, learningRate: 0.001, width: 1, depth: 1, seedling: 0 });
    expect(space.pointAt([99, 999, 99, 99])).toEqual({ batchSize: 4096, learningRate: 1, width: 1000, depth: 100, seedling: 99 });
    expect(space.firstWith(64)).toEqual({ batchSize: 64, learningRate: 0.001, width: 1, depth: 1, seedling: 0 });
  });

  test.each([
    ['random', { type: 'random', nTrials: 20, maxResource: 900 }],
    ['asha', { type: 'asha', minResource: 100, maxResource: 900, maxTrials: 20 }],
    ['grid', { type: 'grid', maxResource: 900 }],
  ])('%s runs a 20-trial search in constant memory', async (_name, strategy) => {
    const before = heapAfterGc();
    const started = Date.now();
    const summary = await runStudy(
      { seed: 3, space: HUGE, budget: { unit: 'trials', limit: 20 }, strategy, trainer: { type: 'any-params' } },
      { registry: registry(), journal: new MemoryStore() },
    );
    const grown = heapAfterGc() - before;
    console.log(
      `${_name}: heap grew ${(grown / 2 ** 20).toFixed(1)} MiB in ${Date.now() - started} ms for ${summary.trials.length} trials over a 10⁹-point space`,
    );
    expect(summary.trials.length).toBeGreaterThan(0);
    expect(summary.trials.length).toBeLessThanOrEqual(20);
    expect(summary.best).toBeDefined();
    const keys = new Set(summary.trials.map((t) => JSON.stringify(t.params)));
    expect(keys.size).toBe(summary.trials.length);
    // Materialising 10⁹ points would need tens of GB; 20 trials need well under 16 MiB.
    expect(grown).toBeLessThan(16 * 2 ** 20);
  });
});

describe('drawing without replacement', () => {
  test('a small finite space keeps the shuffled-grid order of earlier versions for the same seed', () => {
    const space = new SearchSpace({ batchSize: [16, 32, 64], learningRate: [0.1, 0.01], params: { width: { choice: [8, 16, 32] } } });
    const draws = distinctDraws(space, createRng(5, 'strategy'));
    const expected = createRng(5, 'strategy').shuffle(space.grid());
    const got: Params[] = [];
    for (let p = draws.next(); p; p = draws.next()) got.push(p);
    expect(got).toEqual(expected);
  });

  test('a space above the eager limit is drawn lazily, every point once, then nothing', () => {
    expect(EAGER_LIMIT).toBe(100_000);
    const space = new SearchSpace({ batchSize: [32, 64], learningRate: [0.1], params: { k: { int: [0, 999] } } });
    const draws = distinctDraws(space, createRng(1, 'x'), 1000);
    const seen = new Set<string>();
    for (let p = draws.next(); p; p = draws.next()) seen.add(`${p.batchSize}:${p.k}`);
    expect(seen.size).toBe(2000);
    expect(draws.next()).toBeUndefined();
  });

  test('the lazy draw is reproducible from the seed', () => {
    const space = new SearchSpace(HUGE);
    const take = () => {
      const draws = distinctDraws(space, createRng(9, 'strategy'));
      return Array.from({ length: 5 }, () => draws.next());
    };
    expect(take()).toEqual(take());
  });

  test('the lazy grid iterates in the order of grid()', () => {
    const space = new SearchSpace({
      batchSize: [16, 32],
      learningRate: { base: 0.1, baseBatchSize: 16, scale: 'linear' },
      params: { a: { int: [1, 7], step: 3 }, b: { choice: ['x', 'y'] } },
    });
    expect([...space.points()]).toEqual(space.grid());
    expect(space.size).toBe(space.grid().length);
  });
});
