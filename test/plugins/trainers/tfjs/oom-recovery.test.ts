/**
 * A batch size that really exhausts the wasm heap (not a simulated error) makes its trial
 * infeasible, and the trials after it still train: the trainer rebuilds the wasm backend before the
 * next trial opens. Before, the next feasible trial failed ("memory access out of bounds", or no
 * training at all after the runtime aborted).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InfeasibleError } from '../../../../core/errors.ts';
import { backendGeneration } from '../../../../plugins/trainers/tfjs/memory.ts';
import { createTrainer, FIXTURES, params, segment, tmpDir, withDefaults } from './helpers.ts';
import { defined } from '../../../helpers/defined.ts';

const dir = tmpDir();
fs.copyFileSync(path.join(FIXTURES, 'wide-model.js'), path.join(dir, 'wide-model.mjs'));
const rows = ['a,b,y'];
for (let i = 0; i < 400; i++) rows.push(`${Math.cos(i)},${Math.sin(i * 1.7)},${i % 2}`);
fs.writeFileSync(path.join(dir, 'blobs.csv'), `${rows.join('\n')}\n`);

const options = withDefaults({
  backend: 'wasm',
  task: 'classification',
  model: { type: 'module', path: 'wide-model.mjs' },
  data: { type: 'csv', path: 'blobs.csv', label: 'y', train: 300, validation: 100 },
  evalEvery: 160,
});

it('after a real out-of-memory failure on wasm, a later trial with a small batch trains', async () => {
  const trainer = createTrainer(options, { baseDir: dir });
  await trainer.prepare();
  const before = backendGeneration();

  const huge = 2 ** 19;
  const oom = await trainer.open({ trialId: 0, params: params(huge, 0.1, { width: 2048 }), seed: 1 });
  const failure = await oom
    .train({ limits: { examples: 2 * huge }, batchSize: huge, learningRate: 0.1 }, () => 'continue')
    .catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(InfeasibleError);
  expect((failure as InfeasibleError).message).toMatch(/^batch size 524288 is infeasible: out of memory on backend wasm: /);
  void oom.dispose();

  const small = await trainer.open({ trialId: 1, params: params(16, 0.1, { width: 64 }), seed: 1 });
  expect(tf.getBackend()).toBe('wasm');
  expect(backendGeneration()).toBe(before + 1);
  const { result, reports } = await segment(small, { limits: { examples: 160 }, batchSize: 16, learningRate: 0.1 });
  expect(result.progress.steps).toBe(10);
  expect(Number.isFinite(defined(reports.at(-1), 'reports.at(-1)').metrics.val_loss as number)).toBe(true);
  await small.dispose();
  void trainer.close();
}, 120_000);
