import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonlFileStore, MemoryStore, type JournalRecord } from '../../core/index.ts';
import { tempDir } from '../helpers/tabular.ts';
import { createRegistry, defineObjective, openStudy, runStudy } from '../../index.ts';
import { defined } from '../helpers/defined.ts';

/**
 * A synthetic training run whose answer is known: the loss after e examples at batch size b and rate η
 * falls towards a floor that is lowest at b = 64, η = 0.1 (a bowl in log₂ b and log η).
 */
function loss(params: { batchSize: number; learningRate: number }, examples: number): number {
  const floor = 0.1 + 0.05 * (Math.log2(params.batchSize) - 6) ** 2 + 0.2 * Math.log10(params.learningRate / 0.1) ** 2;
  return floor + 2 * Math.exp(-examples / 3000);
}

const space = { batchSize: { powersOfTwo: [8, 512] as [number, number] }, learningRate: [0.01, 0.1, 1] };
const MAX = 9000;

describe('defineObjective', () => {
  test('one function trains each trial across segments; ASHA promotions continue it where it stopped', async () => {
    const calls = new Map<number, number>();
    const seen = new Map<number, number[]>();
    const objective = defineObjective(
      async (trial) => {
        calls.set(trial.trialId, (calls.get(trial.trialId) ?? 0) + 1);
        // The user's loop: its state (here, `examples`) lives across segments.
        for (let examples = 500; examples <= MAX; examples += 500) {
          await new Promise((r) => setImmediate(r));
          (
            seen.get(trial.trialId) ??
            defined(seen.set(trial.trialId, []).get(trial.trialId), 'seen.set(trial.trialId, []).get(trial.trialId)')
          ).push(examples);
          await trial.report(loss(trial.params, examples), { examples });
          if (trial.shouldStop()) return;
        }
      },
      { name: 'bowl', maxResource: { examples: MAX } },
    );
    const registry = createRegistry().register(objective);
    const journal = new MemoryStore();
    const summary = await runStudy(
      {
        seed: 3,
        budget: { limit: 1e9 },
        space,
        trainer: { type: 'bowl' },
        sampler: { type: 'random' },
        scheduler: { type: 'asha', minResource: 1000 },
      },
      { registry, journal },
    );
    expect(summary.error).toBeUndefined();
    expect(summary.trials.length).toBe(21);
    // The function ran once per trial, never restarted: its reports climb without repeating.
    for (const [id, count] of calls) {
      expect(count).toBe(1);
      const points = defined(seen.get(id), 'seen.get(id)');
      expect(points).toEqual(points.map((_, i) => 500 * (i + 1)));
    }
    const records = journal.read() as JournalRecord[];
    const continues = records.filter((r) => r.t === 'decision' && r.decision.kind === 'continue');
    expect(continues.length).toBeGreaterThan(0);
    // Promoted trials reached the top rung; the best is the bowl's bottom among those that got there.
    const top = summary.trials.filter((t) => t.resource >= MAX);
    expect(top.length).toBeGreaterThan(0);
    expect(defined(summary.best, 'summary.best').params).toEqual(expect.objectContaining({ batchSize: 64, learningRate: 0.1 }));
  });

  test('a function that throws fails its trial, and the search goes on', async () => {
    const objective = defineObjective(
      async (trial) => {
        await trial.report(1, { examples: 100 });
        if (trial.params.batchSize === 16) throw new Error('out of memory at batch 16');
        for (let e = 200; e <= 1000 && !trial.shouldStop(); e += 100) await trial.report(loss(trial.params, e), { examples: e });
      },
      { name: 'flaky', maxResource: { examples: 1000 } },
    );
    const summary = await runStudy(
      { seed: 1, budget: { limit: 1e9 }, space: { batchSize: [8, 16, 32] }, trainer: { type: 'flaky' }, strategy: { type: 'grid' } },
      { registry: createRegistry().register(objective) },
    );
    const states = Object.fromEntries(summary.trials.map((t) => [t.params.batchSize, t.state]));
    expect(states).toEqual({ 8: 'completed', 16: 'failed', 32: 'completed' });
    expect(
      defined(
        summary.trials.find((t) => t.params.batchSize === 16),
        'summary.trials.find((t) => t.params.batchSize === 16)',
      ).reason,
    ).toContain('out of memory at batch 16');
  });
});

describe('ask/tell study', () => {
  test('an outside loop trains every segment ask() hands out; the journal records the search', async () => {
    const journal = new MemoryStore();
    const study = await openStudy(
      {
        seed: 5,
        budget: { limit: 1e9 },
        space,
        sampler: { type: 'tpe' },
        scheduler: { type: 'successive-halving', minResource: 1000, nConfigs: 9 },
        concurrency: 3,
      },
      { journal, maxResource: { examples: MAX } },
    );
    const progress = new Map<number, number>();
    const verdicts: string[] = [];
    // Three workers of "another framework", each asking for work until the search is over.
    const worker = async () => {
      for (let asked = await study.ask(); asked; asked = await study.ask()) {
        let verdict = 'continue';
        while (verdict === 'continue') {
          const examples = (progress.get(asked.trialId) ?? 0) + 500;
          progress.set(asked.trialId, examples);
          verdict = await study.tell(asked.trialId, { value: loss(asked.params, examples), examples });
        }
        verdicts.push(verdict);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    const summary = await study.result();
    expect(summary.error).toBeUndefined();
    expect(summary.trials.length).toBe(9);
    // Successive halving over 9 with η = 3: 9 at 1000, 3 at 3000, 1 at 9000.
    expect(summary.trials.filter((t) => t.resource >= 9000).length).toBe(1);
    expect(summary.trials.filter((t) => t.resource >= 3000).length).toBe(3);
    // Every segment ends in a pause (9 + 3 + 1); the scheduler's stops come afterwards, between segments.
    expect(verdicts.filter((v) => v === 'pause').length).toBe(9 + 3 + 1);
    const records = journal.read() as JournalRecord[];
    expect(records.filter((r) => r.t === 'trialStart').length).toBe(9);
    expect(records.some((r) => r.t === 'decision' && r.decision.kind === 'stop')).toBe(true);
  });

  test('a journal cut mid-search resumes: the outside loop gets the rest, and the search ends as the whole one did', async () => {
    const dir = tempDir('batchtune-ask-tell-');
    const config = { seed: 2, budget: { limit: 1e9 }, space, sampler: { type: 'tpe' }, scheduler: { type: 'asha', minResource: 1000 } };
    const drive = async (journal: string, resume: boolean) => {
      const study = await openStudy(config, { journal, resume, maxResource: { examples: MAX } });
      for (let asked = await study.ask(); asked; asked = await study.ask()) {
        // A trial handed out again after the cut starts over: this loop kept nothing (as after a crash).
        let examples = asked.progress.examples;
        for (let verdict = 'continue'; verdict === 'continue';) {
          examples += 500;
          verdict = await study.tell(asked.trialId, { value: loss(asked.params, examples), examples });
        }
      }
      return study.result();
    };
    const full = join(dir, 'full.jsonl');
    const whole = await drive(full, false);
    const lines = readFileSync(full, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, `${lines.slice(0, Math.floor(lines.length / 2)).join('\n')}\n`);
    const resumed = await drive(cut, true);
    expect(resumed.error).toBeUndefined();
    expect(resumed.trials.map((t) => [t.params, t.state])).toEqual(whole.trials.map((t) => [t.params, t.state]));
    expect(resumed.best?.trialId).toBe(whole.best?.trialId);
    expect(new JsonlFileStore(cut).read().length).toBeGreaterThan(lines.length / 2);
  });

  test('two studies on one registry at once keep their trials apart', async () => {
    const registry = createRegistry();
    const open = (seed: number) =>
      openStudy(
        { seed, budget: { limit: 1e9 }, space, sampler: { type: 'random' }, scheduler: { type: 'fifo', nTrials: 4 } },
        { registry, maxResource: { examples: 2000 } },
      );
    const [a, b] = await Promise.all([open(1), open(2)]);
    const drive = async (study: Awaited<ReturnType<typeof open>>, offset: number) => {
      for (let asked = await study.ask(); asked; asked = await study.ask()) {
        let examples = asked.progress.examples;
        for (let verdict = 'continue'; verdict === 'continue';) {
          examples += 500;
          verdict = await study.tell(asked.trialId, { value: offset + loss(asked.params, examples), examples });
        }
      }
      return study.result();
    };
    const [sa, sb] = await Promise.all([drive(a, 0), drive(b, 100)]);
    expect(sa.trials.length).toBe(4);
    expect(sb.trials.length).toBe(4);
    expect(sa.trials.every((t) => (t.value as number) < 100)).toBe(true);
    expect(sb.trials.every((t) => (t.value as number) > 100)).toBe(true);
  });
});
