import type { Report, TrainRequest } from '../../core/index.ts';
import { trainFresh } from '../plugins/trainers/tfjs/helpers.ts';
import { linearRegressionTrainer } from './linear-regression.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

/**
 * Goyal et al. 2017 gradual warmup in the tfjs trainer: the rate ramps linearly from `from` to the
 * target over the warmup examples, and every report carries the rate its last step used.
 */
function trainer() {
  return linearRegressionTrainer({ train: 1024, validation: 256 }, { evalEvery: 64 });
}

async function run(request: TrainRequest): Promise<Report[]> {
  return trainFresh(trainer(), 7, request);
}

describe('tfjs trainer: learning-rate warmup', () => {
  test('each report gives the rate its last step used: a linear ramp over the warmup examples, then the target', async () => {
    const reports = await run({ limits: { examples: 64 * 8 }, batchSize: 64, learningRate: 0.01, warmup: { examples: 256, from: 0.001 } });
    // Step n (from 1) starts after 64(n − 1) examples: rate 0.001 + 0.009·64(n − 1)/256 until 256 examples.
    const expected = [0.001, 0.00325, 0.0055, 0.00775, 0.01, 0.01, 0.01, 0.01];
    expect(reports.map((r) => r.progress.steps)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    reports.forEach((r, i) => {
      expect(r.learningRate).toBeCloseTo(at(expected, i), 12);
      expect(r.metrics.lr).toBeCloseTo(at(expected, i), 12);
    });
  });

  test('the optimizer really steps with the warmup rate: one warmup step equals one step at the starting rate', async () => {
    const warm = await run({ limits: { steps: 1 }, batchSize: 64, learningRate: 0.01, warmup: { examples: 640, from: 0.001 } });
    const slow = await run({ limits: { steps: 1 }, batchSize: 64, learningRate: 0.001 });
    const fast = await run({ limits: { steps: 1 }, batchSize: 64, learningRate: 0.01 });
    expect(defined(warm.at(-1), 'warm.at(-1)').metrics.val_loss).toBeCloseTo(
      defined(defined(slow.at(-1), 'slow.at(-1)').metrics.val_loss, 'val_loss'),
      4,
    );
    expect(
      Math.abs(
        defined(defined(warm.at(-1), 'warm.at(-1)').metrics.val_loss, 'val_loss') -
          defined(defined(fast.at(-1), 'fast.at(-1)').metrics.val_loss, 'val_loss'),
      ),
    ).toBeGreaterThan(1e-3 * defined(defined(slow.at(-1), 'slow.at(-1)').metrics.val_loss, 'val_loss'));
  });
});
