import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryStore, type JournalRecord } from '../../core/index.ts';
import { runStudy } from '../../index.ts';

const root = resolve(import.meta.dirname, '../..');

describe('examples', () => {
  test('the custom doubling strategy loads from "plugins" and doubles until the metric stops improving', async () => {
    const dir = join(root, 'examples/custom-strategy');
    const store = new MemoryStore();
    const summary = await runStudy(JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')), { baseDir: dir, journal: store });
    expect(summary.strategy).toBe('doubling');
    // 16 beats nothing, 32 does not beat 16 at equal examples: the strategy stops there.
    expect(summary.trials.map((t) => [t.params.batchSize, t.value])).toEqual([
      [16, 0.9514],
      [32, 0.9476],
    ]);
    expect(summary.best?.params.batchSize).toBe(16);
    const decisions = (store.records as JournalRecord[]).flatMap((r) => (r.t === 'decision' ? [r.decision.kind] : []));
    expect(decisions).toEqual(['start', 'start', 'done']);
  });

  test('the pipeline script prints the best params and exits 0; a bad config exits 2', () => {
    const ok = spawnSync('bash', ['examples/pipeline/tune.sh', 'examples/tabular/grid.json'], { cwd: root, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('BATCH_SIZE=16\nLEARNING_RATE=0.05\nBEST_VALUE=0.9496');
    const bad = spawnSync('bash', ['examples/pipeline/tune.sh', 'examples/pipeline/does-not-exist.json'], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });

  test('the API example runs and prints the typed result', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'examples/api/run-study.ts'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/trial 0 batch \d+: 2000 examples, val_acc /);
    expect(run.stdout).toContain('spent 120000 of 120000 examples');
  });
});
