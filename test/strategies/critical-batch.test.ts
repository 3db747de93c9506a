import { MemoryStore, type JournalRecord } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import type { TabularFile } from '../../plugins/trainers/tabular-file.ts';
import { tempDir, writeTabular } from '../helpers/tabular.ts';

const dir = tempDir('batchtune-critical-');
const SIZES = [8, 16, 32, 64, 128, 256, 512, 1024];

/** Each batch size reports `noise_scale` (B_simple) and trains at min(b, saturation) × 100 examples per second. */
function recording(noiseScale: number | null, saturation: number): string {
  const file: TabularFile = {
    name: 'critical',
    metric: 'val_acc',
    mode: 'max',
    configs: SIZES.map((b) => ({
      params: { batchSize: b, learningRate: 0.1 },
      curves: [
        [1, 2, 3, 4].map((k) => {
          const examples = 2048 * k;
          return {
            examples,
            steps: examples / b,
            seconds: examples / (Math.min(b, saturation) * 100),
            metrics: { val_acc: 0.9 - 0.01 * Math.abs(Math.log2(b / 128)), noise_scale: noiseScale },
          };
        }),
      ],
    })),
  };
  return writeTabular(dir, file, `critical-${noiseScale}-${saturation}.json`);
}

async function proposals(file: string, nTrials: number): Promise<number[]> {
  const journal = new MemoryStore();
  const summary = await runStudy(
    {
      seed: 4,
      budget: { limit: 1e9 },
      trainer: { type: 'tabular', file },
      sampler: { type: 'critical-batch' },
      scheduler: { type: 'fifo', nTrials },
    },
    { journal },
  );
  expect(summary.error).toBeUndefined();
  return (journal.read() as JournalRecord[]).flatMap((r) => (r.t === 'trialStart' ? [r.params.batchSize] : []));
}

describe('critical-batch sampler', () => {
  test('probes the middle, then places batch sizes nearest the measured B_simple on log2', async () => {
    // B_simple = 100, throughput still growing up to 256: the centre is 100, so 128, 64 (probed), 256, 32, 512.
    expect(await proposals(recording(100, 256), 5)).toEqual([64, 128, 256, 32, 512]);
  });

  test('the throughput plateau caps the centre: past it a larger batch trains no faster', async () => {
    // B_simple = 1000 but throughput stops growing at 32: after the probe (64) and 1024 (nearest 1000,
    // before two sizes are measured), the plateau is the smallest measured size at full speed (64, then
    // lower as smaller ones prove as fast), so the search turns to small batches instead of 512 and 256.
    const order = await proposals(recording(1000, 32), 5);
    expect(order.slice(0, 2)).toEqual([64, 1024]);
    for (const b of order.slice(2)) expect(b).toBeLessThanOrEqual(128);
    expect(order).toContain(32);
  });

  test('without a noise_scale metric it is a random sampler after the probe, drawn without replacement', async () => {
    const order = await proposals(recording(null, 256), 8);
    expect(order[0]).toBe(64);
    expect([...order].sort((a, b) => a - b)).toEqual(SIZES);
  });
});
