import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { processTrainer } from '../../../../plugins/trainers/process/index.ts';
import { ProcessSession } from '../../../../plugins/trainers/process/session.ts';
import { MemoryStore, type Report } from '../../../../core/index.ts';
import { runStudy } from '../../../../index.ts';
import { alive, processOptions, python, root, tempDir, toy, trialPids } from './helpers.ts';
import { at } from '../../../../core/indexed.ts';
import { defined } from '../../../helpers/defined.ts';

const params = { batchSize: 64, learningRate: 0.1 };

function trainer(args: string[] = [], overrides = {}) {
  const logDir = tempDir();
  const instance = processTrainer.create(processOptions([python, toy, ...args], { logDir, ...overrides }), { baseDir: root, seed: 1 });
  return { trainer: instance, logDir };
}

/** The process trainer's own session class, checked, for the tests that read its pid. */
function processSession(session: unknown): ProcessSession {
  if (!(session instanceof ProcessSession)) throw new Error('the process trainer opened something other than a ProcessSession');
  return session;
}

describe('process trainer: a session', () => {
  test('prepare asks the script to describe itself; describe: false starts nothing', async () => {
    const { trainer: described } = trainer();
    expect(await described.prepare()).toMatchObject({
      objective: { metric: 'val_loss', mode: 'min' },
      maxResource: { examples: 8192 },
      info: { protocol: 1, command: [python, toy], script: { toy: true } },
    });
    const { trainer: quiet, logDir } = trainer([], { describe: false });
    const description = await quiet.prepare();
    expect(description.objective).toBeUndefined();
    expect(trialPids(logDir).size).toBe(0);
  });

  test('segments continue in the same process, end at the report point nearest the target, and stop at the declared maximum', async () => {
    const { trainer: t } = trainer();
    await t.prepare();
    const session = processSession(await t.open({ trialId: 0, params, seed: 3 }));
    const reports: Report[] = [];
    const onReport = (r: Report) => (reports.push(r), 'continue' as const);
    try {
      // Batch 64: 1000 lies between 960 and 1024 and is nearer 1024; 3000 between 2944 and 3008 (nearer 3008).
      const first = await session.train({ limits: { examples: 1e9 }, target: { unit: 'examples', value: 1000 }, ...params }, onReport);
      const second = await session.train({ limits: { examples: 1e9 }, target: { unit: 'examples', value: 3000 }, ...params }, onReport);
      // A hard cap wins over the target: 5000 is not reachable, the last step within 4000 is.
      const capped = await session.train({ limits: { examples: 4000 }, target: { unit: 'examples', value: 5000 }, ...params }, onReport);
      const last = await session.train({ limits: { examples: 1e9 }, target: { unit: 'examples', value: 1e6 }, ...params }, onReport);
      expect([first, second, capped, last].map((r) => [r.progress.examples, r.progress.steps, r.exhausted])).toEqual([
        [1024, 16, false],
        [3008, 47, false],
        [3968, 62, false],
        [8192, 128, true],
      ]);
      expect(new Set(reports.map((r) => r.metrics.pid))).toEqual(new Set([session.pid]));
      // Every segment ends with a report describing the current weights.
      for (const end of [1024, 3008, 3968, 8192]) expect(reports.some((r) => r.progress.examples === end)).toBe(true);
      expect(reports.every((r) => r.batchSize === 64 && r.learningRate === 0.1)).toBe(true);
    } finally {
      await session.dispose();
    }
    expect(alive(defined(session.pid, 'session.pid'))).toBe(false);
  });

  test('a stop verdict ends the segment at that report; batch size and rate may change between segments', async () => {
    const { trainer: t } = trainer();
    const session = await t.open({ trialId: 1, params, seed: 3 });
    try {
      const first = await session.train({ limits: { examples: 8192 }, target: { unit: 'examples', value: 4096 }, ...params }, (r) =>
        r.progress.examples >= 1024 ? 'stop' : 'continue',
      );
      expect(first).toEqual({ progress: expect.objectContaining({ examples: 1024, steps: 16 }), exhausted: false, stopped: true });
      const seen: Report[] = [];
      const second = await session.train(
        {
          limits: { examples: 8192 },
          target: { unit: 'examples', value: 3072 },
          batchSize: 256,
          learningRate: 0.4,
          warmup: { examples: 2048, from: 0 },
        },
        (r) => {
          seen.push(r);
          return 'continue';
        },
      );
      expect(second.progress).toMatchObject({ examples: 3072, steps: 24 });
      expect(seen.at(-1)).toMatchObject({ batchSize: 256 });
      // The rate of the last step (which started at 2816 examples, past the warmup) is the full one.
      expect(defined(seen.at(-1), 'seen.at(-1)').learningRate).toBe(0.4);
      // The first report comes at 1536 examples; its last step started at 1280, 1280/2048 of the warmup: 0.25.
      expect(at(seen, 0).progress.examples).toBe(1536);
      expect(at(seen, 0).learningRate).toBeCloseTo(0.25, 10);
    } finally {
      await session.dispose();
    }
  });

  test('dispose ends a script that ignores close and SIGTERM, with SIGKILL after the grace periods', async () => {
    const logDir = tempDir();
    const t = processTrainer.create(
      processOptions([python, join(root, 'test/fixtures/process/stubborn.py')], { logDir, closeGraceSeconds: 0.3, describe: false }),
      { baseDir: root, seed: 1 },
    );
    const session = processSession(await t.open({ trialId: 0, params, seed: 1 }));
    const pid = defined(session.pid, 'session.pid');
    expect(alive(pid)).toBe(true);
    const began = Date.now();
    await session.dispose();
    expect(alive(pid)).toBe(false);
    expect(Date.now() - began).toBeGreaterThanOrEqual(550);
  });

  test('closing the trainer ends the trial processes still open', async () => {
    const { trainer: t } = trainer([], { describe: false });
    const sessions = (await Promise.all([0, 1].map((trialId) => t.open({ trialId, params, seed: 1 })))).map(processSession);
    expect(sessions.every((s) => alive(defined(s.pid, 's.pid')))).toBe(true);
    if (!t.close) throw new Error('t.close is missing');
    await t.close();
    expect(sessions.map((s) => alive(defined(s.pid, 's.pid')))).toEqual([false, false]);
  });

  test('any language: a JavaScript script speaking the protocol by hand is tuned like a Python one', async () => {
    const summary = await runStudy(
      {
        budget: { limit: 4000 },
        space: { batchSize: [50, 100], learningRate: [0.1, 0.2] },
        strategy: { type: 'grid', maxResource: 1000 },
        trainer: { type: 'process', command: [process.execPath, join(root, 'test/fixtures/process/raw-node.mjs')], logDir: tempDir() },
      },
      { journal: new MemoryStore(), baseDir: root },
    );
    expect(summary.objective).toEqual({ metric: 'loss', mode: 'min' });
    expect(summary.trainerInfo.script).toEqual({ language: 'javascript' });
    expect(summary.trials.map((t) => [t.state, t.progress.examples])).toEqual([
      ['completed', 1000],
      ['completed', 1000],
      ['completed', 1000],
      ['completed', 1000],
    ]);
    expect(summary.best?.params.learningRate).toBe(0.2);
  });

  test('a script of another protocol version is refused by name', async () => {
    const t = processTrainer.create(
      processOptions([python, join(root, 'test/fixtures/process/future.py')], { logDir: tempDir(), describe: false }),
      { baseDir: root, seed: 1 },
    );
    await expect(t.open({ trialId: 0, params, seed: 1 })).rejects.toThrow(/the script speaks protocol version 99; this batchtune speaks 1/);
  });
});
