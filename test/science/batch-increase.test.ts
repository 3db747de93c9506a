import { createRegistry, MemoryStore, runStudy, trialSeed, type JournalRecord } from '../../index.ts';
import { buildSchedules } from '../../strategies/batch-increase.ts';
import { scheduleRows } from '../../analysis/schedules.ts';
import { schedulesTable } from '../../report/schedules-table.ts';
import { fakeTrainer } from './fake-trainer.ts';
import { at } from '../../core/indexed.ts';

function setup(strategy: Record<string, unknown>, extra: Record<string, unknown> = {}, fake = fakeTrainer({ maxExamples: 2000 })) {
  const registry = createRegistry().register(fake.definition);
  const config = {
    budget: { unit: 'examples', limit: 3600 },
    space: { batchSize: [8], learningRate: 0.1 },
    strategy: { type: 'batch-increase', ...strategy },
    trainer: { type: 'fake' },
    ...extra,
  };
  return { fake, run: () => runStudy(config, { registry }) };
}

const threeSegments = { milestones: [400, 800], factor: 2, maxBatchSize: 16, totalExamples: 1200 };

describe('batch-increase strategy', () => {
  test('buildSchedules: constant, lr-decay and batch-increase with the hybrid past the cap', () => {
    const schedules = buildSchedules({
      baseBatchSize: 32,
      learningRate: 0.5,
      milestones: [100, 200, 300],
      factor: 5,
      maxBatchSize: 1000,
      totalExamples: 400,
    });
    const show = (i: number) => at(schedules, i).segments.map((s) => [s.batchSize, Number(s.learningRate.toPrecision(6))]);
    expect(schedules.map((s) => s.name)).toEqual(['constant', 'lr-decay', 'batch-increase']);
    expect(show(0)).toEqual([
      [32, 0.5],
      [32, 0.5],
      [32, 0.5],
      [32, 0.5],
    ]);
    expect(show(1)).toEqual([
      [32, 0.5],
      [32, 0.1],
      [32, 0.02],
      [32, 0.004],
    ]);
    // 32·5 = 160, 32·25 = 800, then the cap 1000 instead of 4000: the rate falls by 4000/1000.
    expect(show(2)).toEqual([
      [32, 0.5],
      [160, 0.5],
      [800, 0.5],
      [1000, 0.125],
    ]);
    expect(at(schedules, 2).segments.map((s) => s.until)).toEqual([100, 200, 300, 400]);
  });

  test('asks the trainer for each schedule segment by segment, tagged, to the same examples', async () => {
    const { fake, run } = setup(threeSegments);
    const summary = await run();
    const asked = (trialId: number) =>
      fake.calls.filter((c) => c.trialId === trialId).map((c) => [c.request.target?.value, c.request.batchSize, c.request.learningRate]);
    expect(asked(0)).toEqual([
      [400, 8, 0.1],
      [800, 8, 0.1],
      [1200, 8, 0.1],
    ]);
    expect(asked(1)).toEqual([
      [400, 8, 0.1],
      [800, 8, 0.05],
      [1200, 8, 0.025],
    ]);
    expect(asked(2)).toEqual([
      [400, 8, 0.1],
      [800, 16, 0.1],
      [1200, 16, 0.05],
    ]);
    expect(summary.trials.map((t) => [t.tag, t.state, t.progress.examples, t.progress.steps, t.batchSize])).toEqual([
      [{ schedule: 'constant' }, 'completed', 1200, 150, 8],
      [{ schedule: 'lr-decay' }, 'completed', 1200, 150, 8],
      [{ schedule: 'batch-increase' }, 'completed', 1200, 100, 16],
    ]);
    // The fake learns in proportion to the rates it was given: constant learns most.
    expect(summary.best?.trialId).toBe(0);
    expect(summary.budget.spent).toBe(3600);
  });

  test('the schedules table shows final settings, steps and steps saved, and the best', async () => {
    const summary = await setup(threeSegments).run();
    const rows = scheduleRows(summary.trials);
    expect(rows.map((r) => [r.schedule, r.steps, r.stepsSaved])).toEqual([
      ['constant', 150, 0],
      ['lr-decay', 150, 0],
      ['batch-increase', 100, 1 - 100 / 150],
    ]);
    const text = schedulesTable(rows, summary.objective);
    expect(text).toMatch(/batch-increase\s+2\s+completed\s+16\s+0\.05\s+1200\s+100\s+33%/);
    expect(text).toMatch(/^best: constant \(trial 0\) val_acc=/m);
  });

  test('with concurrency the three schedules run side by side and still get their own settings', async () => {
    const { fake, run } = setup(threeSegments, { concurrency: 3 });
    const summary = await run();
    expect(fake.calls.slice(0, 3).map((c) => c.trialId)).toEqual([0, 1, 2]);
    expect(summary.trials.map((t) => t.progress.steps)).toEqual([150, 150, 100]);
  });

  test('defaults: milestones at 1/2 and 3/4 of the trainer maximum, rounded to whole steps', async () => {
    // maxExamples 2000, factor 5, B₀ 8: batches 8, 40, 200, so boundaries are multiples of 200.
    const { fake, run } = setup({}, { budget: { unit: 'examples', limit: 6000 } });
    await run();
    expect(fake.calls.filter((c) => c.trialId === 2).map((c) => [c.request.target?.value, c.request.batchSize])).toEqual([
      [1000, 8],
      [1400, 40],
      [2000, 200],
    ]);
  });

  test('learning-rate warmup from the space rule reaches the trainer in every segment', async () => {
    const { fake, run } = setup(threeSegments, {
      space: { batchSize: [8], learningRate: { base: 0.05, baseBatchSize: 4, scale: 'linear', warmup: { examples: 200 } } },
    });
    await run();
    expect(at(fake.calls, 0).request).toMatchObject({ learningRate: 0.1, warmup: { examples: 200, from: 0.05 } });
  });

  test.each([
    [
      { ...threeSegments, milestones: [404, 800] },
      /strategy\.milestones\[0\]: 404 leaves 404 examples for the "constant" segment at batch 8, not a whole number of steps; use multiples of 16/,
    ],
    [
      { ...threeSegments, totalExamples: 1208 },
      /strategy\.totalExamples: 1208 leaves 408 examples for the "batch-increase" segment at batch 16/,
    ],
    [{ ...threeSegments, milestones: [800, 400] }, /strategy\.milestones\[1\]: must be > 0 and increasing \(got 400\)/],
    [{ ...threeSegments, milestones: [1200] }, /strategy\.milestones\[0\]: must be below totalExamples 1200/],
    [{ ...threeSegments, maxBatchSize: 4 }, /strategy\.maxBatchSize: must be >= baseBatchSize 8 \(got 4\)/],
    [{ ...threeSegments, factor: 1 }, /strategy\.factor/],
    [{ ...threeSegments, schedules: ['constant', 'warp'] }, /strategy\.schedules/],
  ])('rejects bad options with the field named (%j)', async (strategy, message) => {
    await expect(setup(strategy).run()).rejects.toThrow(message);
  });

  test('rejects a budget too small for every schedule, and a resource other than examples', async () => {
    await expect(setup(threeSegments, { budget: { unit: 'examples', limit: 3000 } }).run()).rejects.toThrow(
      /budget\.limit: is below what batch-increase needs: 3 schedules × 1200 examples = 3600 \(got 3000\)/,
    );
    await expect(setup(threeSegments, { resource: 'steps' }).run()).rejects.toThrow(
      /resource: strategy "batch-increase" needs resource "examples"/,
    );
  });

  test('the schedules are paired: every trial starts from the same seed', async () => {
    const fake = fakeTrainer({ maxExamples: 2000 });
    const store = new MemoryStore();
    await runStudy(
      {
        seed: 4,
        budget: { limit: 3600 },
        space: { batchSize: [8], learningRate: 0.1 },
        strategy: { type: 'batch-increase', ...threeSegments },
        trainer: { type: 'fake' },
      },
      { registry: createRegistry().register(fake.definition), journal: store },
    );
    const seeds = (store.records as JournalRecord[]).flatMap((r) => (r.t === 'trialStart' ? [r.seed] : []));
    expect(seeds).toEqual([trialSeed(4, 0), trialSeed(4, 0), trialSeed(4, 0)]);
  });

  test('a subset of schedules runs alone', async () => {
    const summary = await setup({ ...threeSegments, schedules: ['batch-increase'] }, { budget: { unit: 'examples', limit: 1200 } }).run();
    expect(summary.trials.map((t) => t.tag)).toEqual([{ schedule: 'batch-increase' }]);
  });
});
