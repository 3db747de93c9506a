/**
 * Rung targets that fall between a trainer's report points: a real recording made at step boundaries
 * (digits-steps.json, from a plain PyTorch loop), and a trainer that can stop only at epoch ends. Every
 * configuration must be evaluated at the bottom rung, at the report nearest the target.
 */
import { fileURLToPath } from 'node:url';
import {
  createRegistry,
  defineTrainer,
  endsBefore,
  MemoryStore,
  runStudy,
  type Progress,
  type SearchSummary,
  type TrainerSession,
} from '../../index.ts';
import { defined } from '../helpers/defined.ts';

const digits = fileURLToPath(new URL('../fixtures/tabular/digits-steps.json', import.meta.url));
const BATCHES = [4, 8, 16, 32, 64, 128, 256, 512];
const fidelity = { minResource: 2500, maxResource: 22500, reductionFactor: 3 };

function study(
  strategy: object,
  budget: object = { unit: 'examples', limit: 5_000_000 },
  trainer: object = { type: 'tabular', file: digits },
) {
  return { seed: 4, budget, strategy, trainer };
}

/** The first segment of every trial, and the resource it reached. */
function bottomRung(summary: SearchSummary) {
  return summary.trials.map((t) => ({
    batchSize: t.params.batchSize,
    target: t.segments[0]?.target,
    reached: t.segments[0]?.reached ?? 0,
  }));
}

describe.each([
  ['successive-halving', { type: 'successive-halving', ...fidelity, nConfigs: 40 }],
  ['hyperband', { type: 'hyperband', ...fidelity }],
  ['asha', { type: 'asha', ...fidelity, maxTrials: 40 }],
])('%s on a step-boundary recording', (_name, strategy) => {
  test('evaluates every configuration it starts at the bottom rung, every batch size included', async () => {
    const summary = await runStudy(study(strategy), { journal: new MemoryStore() });
    const bottom = bottomRung(summary).filter((b) => b.target === 2500);
    expect(bottom.length).toBeGreaterThan(0);
    for (const b of bottom) {
      // The nearest report to 2,500 at this batch size: never nothing, at most one step away.
      expect(b.reached).toBeGreaterThan(0);
      expect(Math.abs(b.reached - 2500)).toBeLessThanOrEqual(b.batchSize);
    }
    if (summary.strategy !== 'hyperband') expect(new Set(bottom.map((b) => b.batchSize))).toEqual(new Set(BATCHES));
    // Batch 512 reports at 2,560 first: the old "last point at or below" rule trained it on nothing.
    expect(bottom.filter((b) => b.batchSize === 512).every((b) => b.reached === 2560)).toBe(true);
    expect(summary.best).not.toBeNull();
    expect(defined(summary.best, 'summary.best').resource).toBeGreaterThan(20000);
  });
});

test('a trials budget of N starts N trials even when some cannot reach their target', async () => {
  const summary = await runStudy(study({ type: 'random', maxResource: 10000 }, { unit: 'trials', limit: 12 }), {
    journal: new MemoryStore(),
  });
  expect(summary.trials).toHaveLength(12);
  expect(summary.trials.every((t) => t.state === 'completed' && t.resource > 0)).toBe(true);
});

test('a trials budget larger than the space starts every configuration once', async () => {
  const summary = await runStudy(study({ type: 'grid', maxResource: 5000 }, { unit: 'trials', limit: 1000 }), {
    journal: new MemoryStore(),
  });
  expect(summary.trials).toHaveLength(40);
});

/** A trainer that can stop only at the end of an epoch (1,400 examples), as many users' loops do. */
const epochTrainer = defineTrainer<Record<string, never>>({
  name: 'epochs',
  description: 'reports only at epoch ends',
  schema: { type: 'object', properties: {} },
  create() {
    const rows = 1400;
    return {
      prepare() {
        return Promise.resolve({
          objective: { metric: 'val_acc', mode: 'max' as const },
          maxResource: { examples: rows * 20 },
          space: { batchSize: [32, 64, 128, 256, 512, 1024], learningRate: 0.1 },
        });
      },
      open({ params }): Promise<TrainerSession> {
        let progress: Progress = { examples: 0, steps: 0, seconds: 0 };
        const stepsPerEpoch = Math.ceil(rows / params.batchSize);
        return Promise.resolve({
          async train(request, onReport) {
            const start = progress;
            const nextEpoch = (): Progress => ({
              examples: progress.examples + rows,
              steps: progress.steps + stepsPerEpoch,
              seconds: progress.seconds + 0.1,
            });
            let endedBy;
            while (!(endedBy = endsBefore(start, progress, nextEpoch(), request)) && progress.examples < rows * 20) {
              progress = nextEpoch();
              const acc = 1 - 1 / (1 + progress.examples / 5000) - params.batchSize / 100000;
              if (
                (await onReport({
                  progress,
                  metrics: { val_acc: acc },
                  batchSize: params.batchSize,
                  learningRate: params.learningRate,
                })) === 'stop'
              )
                break;
            }
            return { progress, exhausted: progress.examples >= rows * 20, stopped: false, ...(endedBy ? { endedBy } : {}) };
          },
          dispose() {},
        });
      },
    };
  },
});

test('a trainer that reports only at epoch ends is evaluated at the epoch nearest each rung', async () => {
  const registry = createRegistry().register(epochTrainer);
  const summary = await runStudy(
    {
      seed: 1,
      budget: { limit: 1e7 },
      strategy: { type: 'successive-halving', minResource: 2000, maxResource: 18000, reductionFactor: 3 },
      trainer: { type: 'epochs' },
    },
    { registry, journal: new MemoryStore() },
  );
  // Rungs 2,000 → 6,000 → 18,000 fall nearest epochs 1,400 → 5,600 → 18,200.
  expect(bottomRung(summary).map((b) => b.reached)).toEqual([1400, 1400, 1400, 1400, 1400, 1400]);
  const top = summary.trials.filter((t) => t.segments.length === 3);
  expect(top.length).toBeGreaterThan(0);
  expect(top.every((t) => t.segments.map((s) => s.reached).join() === '1400,5600,18200' && t.state === 'completed')).toBe(true);
});
