import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore, runStudy, SearchEvents, type JournalRecord, type SearchSummary, viewJournal } from '../../../index.ts';
import type { CurvePoint, TabularFile } from '../../../plugins/trainers/tabular-file.ts';
import { tempDir, writeTabular } from '../../helpers/tabular.ts';
import { hasRedisServer, skipMessage, startRedis, startWorker, stopChild, type WorkerChild } from '../../helpers/redis.ts';
import { at } from '../../../core/indexed.ts';
import { defined } from '../../helpers/defined.ts';
import { reportsSoFar } from '../../helpers/journal.ts';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/batchtune.js');
const BATCH_SIZES = [8, 16, 32, 64, 128, 256, 512, 1024];

/**
 * Reports at step boundaries, as a real training loop records them: every ⌈1000/B⌉ steps, so the points
 * are 1008, 1024, 2048... examples and never fall on the rungs (1000, 3000, 9000). Each batch size has
 * its own curve, peaking at 32.
 */
function stepBoundaryTable(): TabularFile {
  return {
    name: 'step-boundaries',
    metric: 'val_acc',
    mode: 'max',
    configs: BATCH_SIZES.map((batchSize) => {
      const stepsPerReport = Math.ceil(1001 / batchSize);
      const peak = 0.9 - 0.03 * Math.abs(Math.log2(batchSize) - 5);
      const curve: CurvePoint[] = [];
      for (let steps = stepsPerReport; steps * batchSize <= 9000 + batchSize * stepsPerReport; steps += stepsPerReport) {
        const examples = steps * batchSize;
        const acc = +(peak * (1 - Math.exp(-examples / 3000))).toFixed(6);
        curve.push({
          examples,
          steps,
          seconds: +(examples / (500 * Math.sqrt(batchSize))).toFixed(6),
          metrics: { val_acc: acc, val_loss: 1 - acc },
        });
      }
      return { params: { batchSize, learningRate: 0.1 }, curves: [curve] };
    }),
  };
}

/** What a trial ended with: the part of the result that must not depend on where it trained. */
function outcomes(summary: SearchSummary) {
  return summary.trials.map((t) => ({
    id: t.trialId,
    batchSize: t.params.batchSize,
    state: t.state,
    examples: t.progress.examples,
    value: t.value,
  }));
}

test('a redis executor whose server does not answer is a config error naming executor.url, before any trial', async () => {
  const dir = tempDir();
  writeTabular(dir, stepBoundaryTable());
  const config = {
    budget: { limit: 1000 },
    trainer: { type: 'tabular', file: 'curves.json' },
    executor: { type: 'redis', url: 'redis://127.0.0.1:1' },
  };
  await expect(runStudy(config, { baseDir: dir })).rejects.toThrow(
    'executor.url: cannot reach Redis: connect ECONNREFUSED 127.0.0.1:1 (got "redis://127.0.0.1:1")',
  );
});

skipMessage('redis executor tests');
const describeRedis = hasRedisServer ? describe : describe.skip;

describeRedis('redis executor with batchtune worker processes', () => {
  jest.setTimeout(90_000);
  // Undefined until beforeAll has started it (afterAll runs even when it failed).
  let redis: { url: string; stop(): Promise<void> } | undefined;
  const redisUrl = () => defined(redis, 'redis-server').url;
  const workers: ChildProcess[] = [];
  let dir: string;
  const prefix = `test-${process.pid}`;

  beforeAll(async () => {
    dir = tempDir();
    writeTabular(dir, stepBoundaryTable());
    redis = await startRedis();
    // Short locks so a killed worker's segment is found stalled within about a second.
    workers.push(...(await Promise.all([startWorker(redis.url, prefix, 2), startWorker(redis.url, prefix, 2)])));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await redis?.stop();
  });

  const executor = () => ({ type: 'redis', url: redisUrl(), prefix, lockDuration: 1000, stalledInterval: 500 });
  const study = (extra: Record<string, unknown>) => ({
    seed: 4,
    budget: { limit: 200000 },
    strategy: { type: 'successive-halving', minResource: 1000, maxResource: 9000 },
    trainer: { type: 'tabular', file: 'curves.json' },
    ...extra,
  });

  test('successive halving on two workers ends every trial as inline does, each at the same point with the same value', async () => {
    const inline = await runStudy(study({}), { baseDir: dir });
    const journal = new MemoryStore();
    const redisRun = await runStudy(study({ executor: executor(), concurrency: 4 }), { baseDir: dir, journal });
    expect(redisRun.error).toBeUndefined();
    expect(outcomes(redisRun)).toEqual(outcomes(inline));
    // Every configuration was evaluated at the bottom rung (no trial trained nothing).
    expect(redisRun.trials).toHaveLength(BATCH_SIZES.length);
    expect(redisRun.trials.every((t) => t.progress.examples >= 1000)).toBe(true);
    expect(redisRun.budget.spent).toBe(inline.budget.spent);
    // Both workers trained, and each placement names one of them.
    const ends = (journal.read() as JournalRecord[]).filter((r) => r.t === 'segmentEnd');
    const placedOn = new Set(ends.map((r) => (r as { placement?: { worker: string } }).placement?.worker));
    const workerIds = workers.map((w) => `${hostname()}/${w.pid}`);
    expect([...placedOn].sort()).toEqual(workerIds.sort());
    // Four in flight on one machine: some segments shared it, and their placement says so.
    const shared = ends.map(
      (r) =>
        defined((r as { placement?: { sharedWith: number } }).placement, '(r as { placement?: { sharedWith: number } }).placement')
          .sharedWith,
    );
    expect(Math.max(...shared)).toBeGreaterThan(0);
  });

  test('one segment at a time: every placement says it had the machine to itself', async () => {
    const summary = await runStudy(study({ executor: executor(), concurrency: 1, strategy: { type: 'grid' } }), { baseDir: dir });
    expect(summary.trials.flatMap((t) => t.segments.map((s) => s.sharedWith))).toEqual(BATCH_SIZES.map(() => 0));
  });

  const slowTrainer = (options: Record<string, unknown> = {}) => ({
    trainer: { type: 'slow-tabular', file: 'curves.json', ...options },
    plugins: [join(root, 'test/fixtures/plugins/slow-tabular.js')],
  });

  test('one worker SIGKILLed and one stopped (SIGTERM) mid-segment: both segments re-run on the third, every trial ends, nothing is charged twice', async () => {
    const own = `${prefix}-kill`;
    const [killed, stopped, survivor] = await Promise.all([
      startWorker(redisUrl(), own),
      startWorker(redisUrl(), own),
      startWorker(redisUrl(), own),
    ]);
    const events = new SearchEvents();
    const restarts: string[] = [];
    events.on('report', ({ report, replayed }) => {
      // Reports come 50 ms apart, so a worker that just reported is in the middle of its segment.
      if (replayed) return;
      if (report.metrics.pid === killed.pid && killed.signalCode === null) killed.kill('SIGKILL');
      if (report.metrics.pid === stopped.pid && !stopped.killed) stopped.kill('SIGTERM');
    });
    events.on('pluginError', ({ message }) => restarts.push(message));
    const journal = new MemoryStore();
    const stoppedExit = new Promise<number | null>((resolve) =>
      stopped.once('exit', (code) => {
        resolve(code);
      }),
    );
    try {
      const summary = await runStudy(
        study({ ...slowTrainer({ ms: 50 }), strategy: { type: 'grid' }, executor: { ...executor(), prefix: own }, concurrency: 3 }),
        {
          baseDir: dir,
          events,
          journal,
        },
      );
      expect(summary.error).toBeUndefined();
      expect(killed.signalCode).toBe('SIGKILL');
      expect(await stoppedExit).toBe(143);
      expect(stopped.output.join('')).not.toMatch(/\n\s+at /);
      expect(restarts.filter((m) => /stopped renewing its lock.*runs again/.test(m))).toHaveLength(1);
      expect(restarts.filter((m) => /gave the segment back.*runs again/.test(m))).toHaveLength(1);
      expect(summary.trials).toHaveLength(BATCH_SIZES.length);
      expect(summary.trials.every((t) => t.state === 'completed')).toBe(true);
      const trained = summary.trials.reduce((sum, t) => sum + t.progress.examples, 0);
      expect(summary.budget.spent).toBe(trained);
      // Each trial's journaled reports climb once to where it ended: the lost attempts' reports were dropped.
      for (const t of viewJournal(journal.read() as JournalRecord[]).trials) {
        const examples = t.reports.map((r) => r.progress.examples);
        expect(examples.every((e, i) => i === 0 || e > at(examples, i - 1))).toBe(true);
        expect(examples.at(-1)).toBe(at(summary.trials, t.trialId).progress.examples);
      }
    } finally {
      await stopChild(survivor);
    }
  });

  test('a trial that ends frees its session on the worker at once, not when the study ends', async () => {
    const log = join(dir, 'sessions.log');
    const events = new SearchEvents();
    let lastReport = 0;
    events.on('report', () => (lastReport = Date.now()));
    const summary = await runStudy(study({ ...slowTrainer({ ms: 30, log }), executor: executor(), concurrency: 4 }), {
      baseDir: dir,
      events,
    });
    expect(summary.error).toBeUndefined();
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    const disposedAt = new Map(lines.filter(([, event]) => event === 'dispose').map(([at, , trialId]) => [Number(trialId), Number(at)]));
    // Every session opened was disposed...
    expect(new Set(lines.filter(([, event]) => event === 'open').map(([, , trialId]) => Number(trialId)))).toEqual(
      new Set(disposedAt.keys()),
    );
    // ...and those of trials pruned at the first rung before the search's last report, long before the study closed.
    const early = summary.trials.filter((t) => t.segments.length === 1);
    expect(early.length).toBeGreaterThan(0);
    for (const t of early) expect(disposedAt.get(t.trialId)).toBeLessThan(lastReport);
  });

  test('the search process SIGKILLed mid-study, then --resume: the same trials end as in a run never killed', async () => {
    const config = join(dir, 'resume.json');
    writeFileSync(config, JSON.stringify(study({ ...slowTrainer({ ms: 40 }), executor: executor(), concurrency: 4 })));
    const journal = join(dir, 'resume.jsonl');
    const search = spawn(process.execPath, [bin, 'run', config, '--journal', journal, '--quiet'], { cwd: root, stdio: 'ignore' });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (reportsSoFar(journal) >= 10) {
          clearInterval(poll);
          search.kill('SIGKILL');
          resolve();
        }
      }, 20);
    });
    await new Promise((resolve) => search.once('exit', resolve));
    expect(readFileSync(journal, 'utf8')).not.toContain('"searchEnd"');

    const resumed = spawnSync(process.execPath, [bin, 'run', config, '--journal', journal, '--resume', '--quiet', '--json'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(resumed.status).toBe(0);
    const uninterrupted = await runStudy(study(slowTrainer({ ms: 0 })), { baseDir: dir });
    expect(outcomes(JSON.parse(resumed.stdout) as SearchSummary)).toEqual(outcomes(uninterrupted));
  });

  test("a study id a running search process uses is refused before anything trains; a dead run's id is reused", async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redisUrl());
    try {
      await client.set(`${prefix}:study:taken:alive`, '1', 'PX', 60_000);
      await expect(runStudy(study({ executor: { ...executor(), study: 'taken' } }), { baseDir: dir })).rejects.toThrow(
        'executor.study: is in use by a search process running on this Redis server (got "taken")',
      );
      // Leftovers of a run that died under this id: a waiting job with the id the first segment will use.
      await client.del(`${prefix}:study:taken:alive`);
      const { Queue } = await import('bullmq');
      const stale = new Queue('study-taken', { connection: { url: redisUrl() }, prefix });
      await stale.add('segment', {}, { jobId: '0.0', delay: 3_600_000 });
      await stale.close();
      const summary = await runStudy(study({ executor: { ...executor(), study: 'taken' }, concurrency: 4 }), { baseDir: dir });
      expect(summary.error).toBeUndefined();
      expect(summary.trials.every((t) => t.progress.examples >= 1000)).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  test('a worker started after the search began serves it: segments wait in the queue until then', async () => {
    const own = `${prefix}-late`;
    const events = new SearchEvents();
    let late: WorkerChild | undefined;
    events.on('searchStart', () => void startWorker(redisUrl(), own).then((w) => (late = w)));
    try {
      const summary = await runStudy(study({ executor: { ...executor(), prefix: own }, strategy: { type: 'grid' } }), {
        baseDir: dir,
        events,
      });
      expect(summary.error).toBeUndefined();
      expect(summary.trials.every((t) => t.state === 'completed')).toBe(true);
    } finally {
      if (late) await stopChild(late);
    }
  });
});
