import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryStore, type JournalRecord } from '../../core/index.ts';
import { runStudy, type SearchSummary } from '../../index.ts';
import { tempDir } from '../helpers/tabular.ts';
import { defined } from '../helpers/defined.ts';

const root = resolve(import.meta.dirname, '../..');

/** A tiny real study: 6 configurations of a small MLP on 600 MNIST digits, rungs at 256, 768, 2304 examples. */
function study(strategy: string, extra: object = {}) {
  return {
    seed: 3,
    budget: { limit: 60000 },
    space: { batchSize: [16, 32, 64], learningRate: [0.05, 0.2] },
    strategy: { type: strategy, minResource: 256, maxResource: 2304, reductionFactor: 3 },
    trainer: {
      type: 'tfjs',
      backend: 'wasm',
      model: { type: 'mlp', hidden: [16] },
      data: { type: 'mnist', train: 600, validation: 200 },
      evalEvery: 256,
    },
    ...extra,
  };
}

describe.each(['successive-halving', 'hyperband', 'asha'])('%s on the tfjs trainer', (strategy) => {
  test('promotes by continuing real training, and returns a trial from the top rung', async () => {
    const store = new MemoryStore();
    const summary = await runStudy(study(strategy, strategy === 'asha' ? { concurrency: 2 } : {}), { journal: store });
    const records = store.records as JournalRecord[];
    const decisions = records.flatMap((r) => (r.t === 'decision' ? [r.decision] : []));
    expect(decisions.some((d) => d.kind === 'continue')).toBe(true);
    // A continued trial keeps its steps: its progress only grows, segment after segment.
    for (const trial of summary.trials) {
      const ends = records.flatMap((r) =>
        r.t === 'segmentEnd' && r.trialId === trial.trialId && r.result ? [r.result.progress.steps] : [],
      );
      expect(ends).toEqual([...ends].sort((a, b) => a - b));
    }
    expect(summary.best).not.toBeNull();
    expect(defined(summary.best, 'summary.best').resource).toBe(2304);
    const top = summary.trials.filter((t) => t.resource === 2304 && t.value !== null).map((t) => t.value as number);
    expect(defined(summary.best, 'summary.best').value).toBe(Math.max(...top));
    expect(summary.trainerInfo.backend).toBe('wasm');
    expect(summary.budget.spent).toBeLessThanOrEqual(60000);
  });
});

test('asha runs on the tfjs trainer through the CLI', () => {
  const dir = tempDir();
  const config = join(dir, 'asha.json');
  writeFileSync(config, JSON.stringify(study('asha', { concurrency: 2 })));
  const run = spawnSync(
    process.execPath,
    [join(root, 'bin/batchtune.js'), 'run', config, '--json', '--quiet', '--journal', join(dir, 'j.jsonl')],
    { encoding: 'utf8' },
  );
  expect(run.status).toBe(0);
  const summary = JSON.parse(run.stdout) as SearchSummary;
  expect(summary.strategy).toBe('asha');
  expect(summary.trainer).toBe('tfjs');
  expect(summary.best?.resource).toBe(2304);
});
