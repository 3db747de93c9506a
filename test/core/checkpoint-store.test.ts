import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TrialHost } from '../../index.ts';
import { countingTrainer, segment } from '../helpers/counting-trainer.ts';
import { tempDir } from '../helpers/tabular.ts';

describe('checkpoints in a folder (FileCheckpointStore)', () => {
  test("two hosts sharing a folder: a moved trial restores from the other host's checkpoint; release removes the file", async () => {
    const dir = join(tempDir(), 'checkpoints');
    const events: string[] = [];
    const first = new TrialHost({ name: 'counting', instance: countingTrainer(events) }, dir);
    const second = new TrialHost({ name: 'counting', instance: countingTrainer(events) }, dir);
    const continueAlways = () => 'continue' as const;
    await first.run(segment(0), continueAlways);
    expect((await second.run(segment(1), continueAlways)).progress.examples).toBe(200);
    expect(events).toEqual(['train 7 from 0', 'restore 7', 'train 7 from 100']);
    expect(existsSync(join(dir, 'trial-7.ckpt'))).toBe(true);
    await second.release(7);
    expect(existsSync(join(dir, 'trial-7.ckpt'))).toBe(false);
    await first.close();
  });

  test("without a checkpoint for the segment asked, the host re-trains the trial's history", async () => {
    const events: string[] = [];
    const host = new TrialHost({ name: 'counting', instance: countingTrainer(events) });
    expect((await host.run(segment(2), () => 'continue')).progress.examples).toBe(300);
    expect(events).toEqual(['train 7 from 0', 'train 7 from 100', 'train 7 from 200']);
  });
});
