/**
 * The pool executor for real: worker processes, each with its own trainer. Results must equal the inline
 * executor's (seeds are per trial), a worker killed mid-segment must not lose the search or charge
 * anything twice, a hung worker is killed at its heartbeat deadline, and a killed search leaves no worker.
 */
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryStore, runStudy, SearchEvents, type SearchSummary } from '../../../index.ts';
import { tempDir } from '../../helpers/tabular.ts';
import { reportsSoFar } from '../../helpers/journal.ts';
import { at } from '../../../core/indexed.ts';

const root = resolve(import.meta.dirname, '../../..');
const fixture = join(root, 'test/fixtures/executors/paced-trainer.mjs');

function study(
  executor: object,
  trainer: object = {},
  strategy: object = { type: 'successive-halving', minResource: 200, maxResource: 1800, reductionFactor: 3 },
) {
  return { seed: 3, budget: { limit: 1e6 }, strategy, trainer: { type: 'paced', ...trainer }, executor, plugins: [fixture] };
}

/** What must not depend on where trials ran. */
function outcome(summary: SearchSummary) {
  return summary.trials.map((t) => ({
    id: t.trialId,
    batch: t.params.batchSize,
    state: t.state,
    value: t.value,
    examples: t.progress.examples,
    reached: t.segments.map((s) => s.reached),
  }));
}

function spentMatchesTrials(summary: SearchSummary): void {
  expect(summary.budget.spent).toBe(summary.trials.reduce((sum, t) => sum + t.progress.examples, 0));
}

let inline: SearchSummary;
beforeAll(async () => {
  inline = await runStudy(study({ type: 'inline' }), { journal: new MemoryStore(), baseDir: root });
});

test('two workers give the same trials as inline, and say which segments shared the machine', async () => {
  const summary = await runStudy(study({ type: 'pool', workers: 2 }), { journal: new MemoryStore(), baseDir: root });
  expect(outcome(summary)).toEqual(outcome(inline));
  spentMatchesTrials(summary);
  const pids = new Set(summary.trials.flatMap((t) => (typeof t.metrics.worker_pid === 'number' ? [t.metrics.worker_pid] : [])));
  expect(pids.size).toBe(2);
  expect(pids.has(process.pid)).toBe(false);
  expect(summary.trials.some((t) => t.segments.some((s) => (s.sharedWith ?? 0) > 0))).toBe(true);
}, 60000);

test('a worker killed mid-segment: its segment runs again elsewhere, the search completes, nothing is charged twice', async () => {
  const events = new SearchEvents();
  const restarts: string[] = [];
  let killed: number | undefined;
  events.on('report', ({ trial, report }) => {
    // Kill the worker training the second rung of some trial, halfway through its segment.
    if (killed === undefined && trial.segments.length === 1 && report.progress.examples === 400) {
      killed = report.metrics.worker_pid as number;
      process.kill(killed, 'SIGKILL');
    }
  });
  events.on('pluginError', (e) => restarts.push(e.message));
  const summary = await runStudy(study({ type: 'pool', workers: 2 }, { msPerReport: 20 }), {
    journal: new MemoryStore(),
    baseDir: root,
    events,
  });
  expect(killed).toBeDefined();
  expect(restarts.some((m) => /pool: worker \d \(pid \d+\) exited on SIGKILL; trial \d+ segment 1 runs again/.test(m))).toBe(true);
  expect(outcome(summary)).toEqual(outcome(inline));
  spentMatchesTrials(summary);
}, 60000);

test('a worker that hangs past its heartbeat deadline is killed; after maxRestarts its trial fails and the search goes on', async () => {
  const hung = await runStudy(
    {
      ...study(
        { type: 'pool', workers: 2, heartbeatSeconds: 1, maxRestarts: 1 },
        { hangAt: 500, hangBatchSize: 20 },
        { type: 'grid', maxResource: 1000 },
      ),
      space: { batchSize: [20, 25, 50], learningRate: 0.1 },
    },
    { journal: new MemoryStore(), baseDir: root },
  );
  expect(hung.trials.map((t) => t.state)).toEqual(['failed', 'completed', 'completed']);
  expect(at(hung.trials, 0).reason).toMatch(
    /^pool: worker \d+ \(pid \d+\) exited on SIGKILL after no heartbeat for 1 s; the segment was lost 2 times, giving up$/,
  );
}, 90000);

test('a search killed with SIGKILL leaves no worker behind, and --resume finishes it with the same result', async () => {
  const dir = tempDir();
  const config = join(dir, 'pool.json');
  writeFileSync(config, JSON.stringify(study({ type: 'pool', workers: 2 }, { msPerReport: 20 })));
  const journal = join(dir, 'j.jsonl');
  const bin = join(root, 'bin/batchtune.js');
  // Run from a folder outside the package, as a user does: the workers must still find their loader.
  const search = spawn(process.execPath, [bin, 'run', config, '--journal', journal, '--quiet', '--json'], { cwd: dir, stdio: 'ignore' });
  // An object, not a let: the exit handler sets it while the loop below waits.
  const run = { exited: false };
  search.once('exit', () => (run.exited = true));
  while (reportsSoFar(journal) < 25 && !run.exited) await new Promise((r) => setTimeout(r, 50));
  expect(run.exited).toBe(false); // it must still be searching: its workers started from this folder
  const workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(search.pid)], { encoding: 'utf8' })
    .split('\n')
    .map(Number)
    .filter(Boolean);
  expect(workers).toHaveLength(2);
  search.kill('SIGKILL');
  await new Promise((r) => search.once('exit', r));
  const alive = () =>
    workers.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  // Workers notice at once that their search is gone; allow a loaded machine a few seconds to schedule them.
  for (let waited = 0; alive().length > 0 && waited < 10000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  expect(alive()).toEqual([]);
  const resumed = execFileSync(process.execPath, [bin, 'run', config, '--journal', journal, '--resume', '--quiet', '--json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const summary = JSON.parse(resumed) as SearchSummary;
  expect(outcome(summary)).toEqual(outcome(inline));
  spentMatchesTrials(summary);
}, 90000);
