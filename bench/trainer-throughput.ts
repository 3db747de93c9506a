/**
 * Trainer throughput: examples per second of a batchtune tfjs trainer session against a plain
 * `model.fit` loop on the same backend, model, optimizer and data, at several batch sizes. The
 * trainer's custom loop (batch size and learning rate changeable between steps, exact example
 * counts, reports) should cost nothing: the goal is a ratio trainer/fit of at least 0.95.
 *
 * Run with `npx tsx bench/trainer-throughput.ts` (or `npm run bench -- trainer-throughput`).
 * Environment: BENCH_BACKEND (auto), BENCH_REPEATS (3). Writes bench/results/trainer-throughput.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { renderTable } from '../report/format.ts';
import { loadDataset, type Dataset } from '../plugins/trainers/tfjs/data/dataset.ts';
import { buildModel } from '../plugins/trainers/tfjs/model.ts';
import type { TfjsOptions } from '../plugins/trainers/tfjs/options.ts';
import { TfjsTrainer } from '../plugins/trainers/tfjs/trainer.ts';
import { machineLine } from './machine.ts';

const BATCH_SIZES = [8, 32, 256, 1024];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const LEARNING_RATE = 0.01;
const TRAIN = 8000;
/** Epochs per timed run: small batches are slow, so they get fewer. */
const epochsFor = (batchSize: number) => (batchSize <= 8 ? 0.5 : batchSize <= 32 ? 1 : 2);

const options: TfjsOptions = {
  backend: (process.env.BENCH_BACKEND as TfjsOptions['backend']) ?? 'auto',
  task: 'classification',
  model: { type: 'mlp', hidden: [256, 256], activation: 'relu', dropout: 0 },
  optimizer: { type: 'momentum', momentum: 0.9, nesterov: false },
  data: { type: 'mnist', train: TRAIN, validation: 1000 },
  evalEvery: 1e12,
};

/** The batchtune session: wall time of train() less the one evaluation at its end. */
async function trainerRun(trainer: TfjsTrainer, batchSize: number, examples: number): Promise<{ wall: number; reported: number }> {
  const session = await trainer.open({ trialId: 0, params: { batchSize, learningRate: LEARNING_RATE }, seed: 1 });
  let evalSeconds = 0;
  let reported = 0;
  const start = performance.now();
  const result = await session.train({ limits: { examples }, batchSize, learningRate: LEARNING_RATE }, (report) => {
    evalSeconds += report.metrics.eval_seconds ?? 0;
    reported = report.metrics.examples_per_second ?? 0;
    return 'continue';
  });
  const seconds = (performance.now() - start) / 1000 - evalSeconds;
  await session.dispose();
  return { wall: result.progress.examples / seconds, reported };
}

/** The same model and optimizer trained by model.fit over whole epochs of the same data. */
async function fitRun(data: Dataset, x: tf.Tensor2D, y: tf.Tensor2D, batchSize: number, epochs: number): Promise<number> {
  const { model } = await buildModel(options.model, { batchSize, learningRate: LEARNING_RATE }, {
    shape: data.shape,
    features: data.features,
    outputs: data.outputs,
    task: 'classification',
    seed: 1,
  }, process.cwd());
  model.compile({
    optimizer: tf.train.momentum(LEARNING_RATE, 0.9),
    loss: (yTrue: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, logits),
    metrics: ['accuracy'],
  });
  // A fraction of an epoch: one epoch of the first rows.
  const rows = Math.min(TRAIN, Math.round(epochs * TRAIN));
  const whole = Math.max(1, Math.round(epochs));
  const [xs, ys] = rows < TRAIN ? [x.slice(0, rows), y.slice(0, rows)] : [x, y];
  const start = performance.now();
  await model.fit(xs, ys, { batchSize, epochs: whole, shuffle: true, verbose: 0 });
  const seconds = (performance.now() - start) / 1000;
  if (xs !== x) tf.dispose([xs, ys]);
  (model.optimizer as tf.Optimizer).dispose();
  model.dispose();
  return (rows * whole) / seconds;
}

async function main(): Promise<string> {
  const began = performance.now();
  const trainer = new TfjsTrainer(options, { baseDir: process.cwd(), seed: 1 });
  const description = await trainer.prepare();
  const info = description.info as { backend: string; backendReason: string };
  const data = await loadDataset(options.data, 'classification', process.cwd(), 1);
  const x = tf.tensor2d(data.train.x, [data.train.rows, data.features]);
  const y = tf.tensor2d(data.train.y, [data.train.rows, data.outputs]);

  // Warm up both paths at every batch size (kernel set-up, JIT, memory growth).
  for (const batchSize of BATCH_SIZES) {
    await trainerRun(trainer, batchSize, batchSize * 4);
    await fitRun(data, x, y, batchSize, (batchSize * 4) / TRAIN);
  }

  const rows: string[][] = [];
  for (const batchSize of BATCH_SIZES) {
    const epochs = epochsFor(batchSize);
    const examples = Math.floor((epochs * TRAIN) / batchSize) * batchSize;
    let best = { trainer: 0, fit: 0, reported: 0 };
    // Alternate the two so a change in machine load hits both; keep each one's best run.
    for (let r = 0; r < REPEATS; r++) {
      const t = await trainerRun(trainer, batchSize, examples);
      const f = await fitRun(data, x, y, batchSize, epochs);
      best = { trainer: Math.max(best.trainer, t.wall), fit: Math.max(best.fit, f), reported: Math.max(best.reported, t.reported) };
    }
    rows.push([
      String(batchSize),
      String(epochs),
      best.trainer.toFixed(0),
      best.reported.toFixed(0),
      best.fit.toFixed(0),
      (best.trainer / best.fit).toFixed(2),
    ]);
    console.log(`batch ${batchSize}: trainer ${best.trainer.toFixed(0)} ex/s, fit ${best.fit.toFixed(0)} ex/s`);
  }
  tf.dispose([x, y]);
  trainer.close();

  const table = renderTable(['batch', 'epochs', 'trainer ex/s', 'trainer reported ex/s', 'fit ex/s', 'trainer/fit'], rows);
  const total = ((performance.now() - began) / 1000).toFixed(0);
  const text =
    `# Trainer throughput (tfjs)\n\n` +
    `Machine: ${machineLine()}\n` +
    `Backend: ${info.backend} (${info.backendReason}), tfjs ${tf.version.tfjs}\n` +
    `Model: MLP 784-256-256-10 (relu), momentum 0.9, lr ${LEARNING_RATE}; MNIST digits from the mnist package, ${TRAIN} training examples.\n` +
    `Best of ${REPEATS} alternating runs after a warm-up; whole benchmark ${total} s.\n\n` +
    `"trainer ex/s" is examples over the wall time of TrainerSession.train less its final evaluation; ` +
    `"trainer reported" is the examples_per_second metric the session reports (training seconds only); ` +
    `"fit ex/s" is model.fit(x, y, {batchSize, epochs, shuffle: true}) with the 'accuracy' metric, over whole epochs.\n\n` +
    '```\n' +
    table +
    '\n```\n';
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/trainer-throughput.md', import.meta.url), text);
  return text;
}

console.log(await main());
