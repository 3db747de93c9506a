/**
 * Chaos: a search killed with SIGKILL at random moments, then resumed, must reach the same result as a
 * run never killed — on recorded curves under ASHA with simulated workers, and once on real TensorFlow.js
 * training. `CHAOS_LONG=1` (`npm run chaos`) tries many more kill points.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import seedrandom from 'seedrandom';
import { tempDir } from '../helpers/tabular.ts';
import type { SearchSummary } from '../../index.ts';
import { tally } from './tally.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/batchtune.js');
const dir = tempDir();
const KILLS = process.env.CHAOS_LONG ? 20 : 3;

function write(name: string, config: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

function records(journal: string): number {
  try {
    return readFileSync(journal, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

function summaryOf(stdout: string) {
  const summary = JSON.parse(stdout) as SearchSummary;
  return { ...summary, elapsedSeconds: undefined, trainerInfo: undefined };
}

/** Runs the config, kills it once the journal has `after` records, resumes it; the resumed summary. */
async function killAndResume(config: string, journal: string, after: number): Promise<{ summary: unknown; killed: boolean }> {
  const child = spawn(process.execPath, [bin, 'run', config, '--json', '--quiet', '--journal', journal], { stdio: 'ignore' });
  // An object, not a let: the exit handler sets it while the loop below waits.
  const run = { exited: false };
  child.once('exit', () => (run.exited = true));
  while (!run.exited && records(journal) < after) await new Promise((r) => setTimeout(r, 5));
  const killed = !run.exited;
  child.kill('SIGKILL');
  await new Promise((r) => {
    if (run.exited) r(undefined);
    else child.once('exit', r);
  });
  const resumed = spawnSync(process.execPath, [bin, 'run', config, '--json', '--quiet', '--journal', journal, '--resume'], {
    encoding: 'utf8',
  });
  // The killed run left its lock; the resume takes it over, and says so (and nothing else).
  expect(resumed.stderr).toMatch(/^(batchtune: warning: [^\n]*: took over the lock of PID \d+ on [^\n]*, which is no longer running\n)?$/);
  return { summary: summaryOf(resumed.stdout), killed };
}

const tabular = write('asha.json', {
  seed: 5,
  budget: { limit: 400000 },
  strategy: { type: 'asha', minResource: 2500, maxResource: 22500, reductionFactor: 3, maxTrials: 24 },
  trainer: { type: 'tabular', file: join(root, 'test/fixtures/tabular/digits-steps.json') },
  callbacks: [{ type: 'slow', ms: 3 }],
  concurrency: 3,
  plugins: [join(root, 'test/fixtures/plugins/slow-callback.js')],
});

test(`${KILLS} SIGKILLs at random moments of an ASHA search on recorded curves, each resumed to the same result`, async () => {
  const whole = spawnSync(process.execPath, [bin, 'run', tabular, '--json', '--quiet', '--journal', join(dir, 'whole.jsonl')], {
    encoding: 'utf8',
  });
  expect(whole.status).toBe(0);
  const expected = summaryOf(whole.stdout);
  const total = records(join(dir, 'whole.jsonl'));
  const rng = seedrandom('chaos-kills');
  for (let i = 0; i < KILLS; i++) {
    const after = 3 + Math.floor(rng() * (total - 6));
    const { summary, killed } = await killAndResume(tabular, join(dir, `kill-${i}.jsonl`), after);
    const passed = JSON.stringify(summary) === JSON.stringify(expected);
    tally(`SIGKILL + resume: tabular${killed ? '' : ' (run ended first)'}`, passed);
    expect(summary).toEqual(expected);
  }
}, 240000);

test('SIGKILL in the middle of real TensorFlow.js training, then --resume: the same trials as a run never killed', async () => {
  const tfjs = write('tfjs.json', {
    seed: 3,
    budget: { limit: 1e6 },
    space: { batchSize: [32, 128], learningRate: 0.1 },
    strategy: { type: 'successive-halving', minResource: 1024, maxResource: 4096, reductionFactor: 2 },
    trainer: {
      type: 'tfjs',
      backend: 'wasm',
      model: { type: 'mlp', hidden: [32] },
      data: { type: 'mnist', train: 1000, validation: 300 },
      evalEvery: 512,
    },
  });
  const whole = spawnSync(process.execPath, [bin, 'run', tfjs, '--json', '--quiet', '--journal', join(dir, 'tfjs-whole.jsonl')], {
    encoding: 'utf8',
  });
  expect(whole.status).toBe(0);
  const { summary } = await killAndResume(tfjs, join(dir, 'tfjs-killed.jsonl'), Math.floor(records(join(dir, 'tfjs-whole.jsonl')) / 2));
  const metrics = (s: { trials: Array<{ state: string; metrics: Record<string, unknown>; progress: unknown }> }) =>
    s.trials.map((t) => [t.state, t.metrics.val_acc, t.metrics.val_loss, t.progress && (t.progress as { examples: number }).examples]);
  const passed = JSON.stringify(metrics(summary as never)) === JSON.stringify(metrics(summaryOf(whole.stdout)));
  tally('SIGKILL + resume: tfjs', passed);
  expect(metrics(summary as never)).toEqual(metrics(summaryOf(whole.stdout)));
}, 120000);
