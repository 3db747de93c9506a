import { runStudy } from '../../index.ts';
import { scheduleRows } from '../../analysis/schedules.ts';
import { fixtures, linearRegressionOptions } from './linear-regression.ts';
import { at } from '../../core/indexed.ts';

/** The batch-increase strategy driving the real tfjs trainer: each segment trains with its settings. */

test('batch-increase on tfjs: the trainer trains each segment at the asked batch size and rate, all to the same examples', async () => {
  const summary = await runStudy(
    {
      seed: 2,
      budget: { unit: 'examples', limit: 3 * 3072 },
      space: { batchSize: [16], learningRate: 0.01 },
      strategy: { type: 'batch-increase', milestones: [1024, 2048], factor: 4, maxBatchSize: 128, totalExamples: 3072 },
      trainer: linearRegressionOptions({ train: 2048, validation: 256 }, { evalEvery: 512 }),
    },
    { baseDir: fixtures },
  );
  const rows = scheduleRows(summary.trials);
  expect(rows.map((r) => [r.schedule, r.state, r.examples, r.steps, r.batchSize, r.learningRate])).toEqual([
    ['constant', 'completed', 3072, 192, 16, 0.01],
    ['lr-decay', 'completed', 3072, 192, 16, 0.01 / 16],
    // 16 → 64 → 128 (the cap, not 256): the last rate is divided by 256/128 instead.
    ['batch-increase', 'completed', 3072, 64 + 16 + 8, 128, 0.005],
  ]);
  expect(at(rows, 2).stepsSaved).toBeCloseTo(1 - 88 / 192, 9);
  // Every schedule learned the regression: the validation loss (about |w*|² ≈ 180 at the start) fell far.
  for (const row of rows) expect(row.metrics.val_loss).toBeLessThan(20);
  expect(summary.best).not.toBeNull();
});
