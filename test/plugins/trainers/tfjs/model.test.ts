import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InfeasibleError } from '../../../../core/errors.ts';
import { isOutOfMemory } from '../../../../plugins/trainers/tfjs/memory.ts';
import { createTrainer, FIXTURES, mnistOptions, params, segment, tmpDir } from './helpers.ts';
import { defined } from '../../../helpers/defined.ts';

const moduleOptions = (path: string) => mnistOptions({ model: { type: 'module', path } });

describe('a user module model', () => {
  it('trains, seeded through context.seed, and may end in logits or a softmax', async () => {
    const trainer = createTrainer(moduleOptions('tiny-model.js'), { baseDir: FIXTURES });
    const description = await trainer.prepare();
    expect(description.info).toMatchObject({ model: { type: 'module', path: 'tiny-model.js', parameters: 784 * 16 + 16 + 16 * 10 + 10 } });
    const run = async (extra: Record<string, boolean>, seed: number) => {
      const session = await trainer.open({ trialId: 0, params: params(32, 0.1, extra), seed });
      const { reports } = await segment(session, { limits: { examples: 1024 }, batchSize: 32, learningRate: 0.1 });
      await session.dispose();
      return defined(reports.at(-1), 'reports.at(-1)').metrics;
    };
    const logits = await run({}, 4);
    expect(logits.val_acc).toBeGreaterThan(0.6);
    expect(await run({}, 4)).toMatchObject({ val_loss: logits.val_loss, val_acc: logits.val_acc });
    // With a softmax the loss is the cross-entropy of probabilities, so it trains the same way.
    const softmax = await run({ softmax: true }, 4);
    expect(softmax.val_acc).toBeGreaterThan(0.6);
    expect(softmax.val_loss).toBeCloseTo(defined(logits.val_loss, 'logits.val_loss'), 3);
    void trainer.close();
  });

  it('a model that takes images gets each flat batch reshaped to its input shape', async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, 'image-model.js'),
      `export function createModel(params, tf, context) {
         const init = tf.initializers.glorotUniform({ seed: context.seed });
         return tf.sequential({ layers: [
           tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: context.shape, kernelInitializer: init }),
           tf.layers.flatten(),
           tf.layers.dense({ units: context.outputs, kernelInitializer: init }),
         ] });
       }`,
    );
    const trainer = createTrainer(moduleOptions('image-model.js'), { baseDir: dir });
    await trainer.prepare();
    const session = await trainer.open({ trialId: 0, params: params(32, 0.05), seed: 1 });
    const { reports } = await segment(session, { limits: { examples: 320 }, batchSize: 32, learningRate: 0.05 });
    expect(defined(reports.at(-1), 'reports.at(-1)').metrics.val_acc).toBeGreaterThan(0.3);
    await session.dispose();
    void trainer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a model that does not fit the data is refused before any trial', async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, 'five.js'),
      `export function createModel(params, tf) {
         return tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [784] })] });
       }`,
    );
    fs.writeFileSync(path.join(dir, 'none.js'), 'export const model = 1;');
    const prepare = (file: string, baseDir = dir) => createTrainer(moduleOptions(file), { baseDir }).prepare();
    await expect(prepare('five.js')).rejects.toThrow(
      'trainer.model.path: the model from five.js outputs shape [5] but the data needs [10] (classes)',
    );
    await expect(prepare('none.js')).rejects.toThrow(
      'trainer.model.path: none.js must export createModel(params, tf, context) returning a tf.LayersModel',
    );
    await expect(prepare('oom-model.js', '/nonexistent')).rejects.toThrow('trainer.model.path: cannot load oom-model.js');
    expect(tf.memory().numTensors).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('out of memory', () => {
  it('recognises the allocation failures of each backend', () => {
    for (const message of [
      'Array buffer allocation failed',
      'Invalid typed array length: 14400000000',
      'RuntimeError: Aborted(). Build with -sASSERTIONS for more info.',
      'OOM when allocating tensor with shape[1024,1024]',
      'Failed to allocate 4096 bytes',
      'offset is out of bounds',
    ]) {
      expect(isOutOfMemory(new Error(message))).toBe(true);
    }
    expect(isOutOfMemory(new Error('Error in matMul: inner shapes (3) and (4) must match'))).toBe(false);
  });

  it('a batch size that does not fit is infeasible, and a failed step leaks no tensor', async () => {
    const trainer = createTrainer(moduleOptions('oom-model.js'), { baseDir: FIXTURES });
    await trainer.prepare();
    const baseline = tf.memory().numTensors;
    const session = await trainer.open({ trialId: 0, params: params(32, 0.1, { fitsUpTo: 64 }), seed: 1 });
    const fits = await segment(session, { limits: { examples: 320 }, batchSize: 32, learningRate: 0.1 });
    expect(fits.result.progress.steps).toBe(10);
    const failure = await session
      .train({ limits: { examples: 1000 }, batchSize: 128, learningRate: 0.1 }, () => 'continue')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InfeasibleError);
    expect(failure).toMatchObject({
      code: 'INFEASIBLE',
      batchSize: 128,
      message: 'batch size 128 is infeasible: out of memory on backend wasm: Array buffer allocation failed',
    });
    await session.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    // The process goes on training other trials.
    const next = await trainer.open({ trialId: 1, params: params(16, 0.1, { fitsUpTo: 64 }), seed: 1 });
    expect((await segment(next, { limits: { examples: 160 }, batchSize: 16, learningRate: 0.1 })).result.progress.steps).toBe(10);
    await next.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    void trainer.close();
  });
});
