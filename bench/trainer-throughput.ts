/**
 * Trainer throughput: examples per second of a batchtune tfjs trainer session against a plain
 * `model.fit` loop on the same backend, and against PyTorch on one thread (Debian's python3-torch),
 * with the same model, optimizer and data, at batch sizes 8 to 1024. Goals: trainer/fit ≥ 0.95
 * (the custom loop costs nothing) and trainer/PyTorch ≥ 0.5. GFLOP/s are put against one core's
 * sgemm peak, measured by PyTorch on a large square product in the same run. The trainer also runs
 * with tfjs's own matMul packing ("right"), so the gain of choosing it per shape is measured too.
 * The threaded wasm backend (`wasmThreads`, as many threads as cores) runs in a worker process of
 * its own (the thread count is fixed per process), alternated with the rest, against PyTorch on the
 * same number of threads.
 *
 * Run with `npm run bench -- trainer-throughput` (or `npx tsx bench/trainer-throughput.ts`).
 * Environment: BENCH_BACKEND (auto), BENCH_REPEATS (3), BENCH_PYTHON (/usr/bin/python3), BENCH_THREADS (the cores).
 * Writes bench/results/trainer-throughput.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { renderTable } from '../report/format.ts';
import { loadDataset, type Dataset } from '../plugins/trainers/tfjs/data/dataset.ts';
import { buildModel } from '../plugins/trainers/tfjs/model.ts';
import { TfjsTrainer } from '../plugins/trainers/tfjs/trainer.ts';
import { setPackingMode } from '../plugins/trainers/tfjs/wasm-matmul.ts';
import { machineLine, uptimeLoad } from './machine.ts';
import { missingPython, PythonWorker } from './python-worker.ts';
import { benchOptions, LEARNING_RATE, TRAIN, trainerRun } from './trainer-run.ts';

const BATCH_SIZES = [8, 32, 128, 512, 1024];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** Threads for the threaded rows: every core (tfjs's own default would be half of them). */
const THREADS = Number(process.env.BENCH_THREADS ?? Math.min(availableParallelism(), 8));
/** Epochs per timed run: small batches are slow, so they get fewer. */
const epochsFor = (batchSize: number) => (batchSize <= 8 ? 0.5 : batchSize <= 32 ? 1 : 2);
/** Multiply-adds ×2 of one training example: forward, input gradient and weight gradient of each dense layer (6 × weights). */
const FLOPS_PER_EXAMPLE = 6 * (784 * 256 + 256 * 256 + 256 * 10);
const SGEMM_SIZE = 2048;
/** The model's largest product: the first layer's forward pass at batch 1024. */
const LAYER_PRODUCT = [1024, 784, 256] as const;

const options = benchOptions(1);

/** The same model and optimizer trained by model.fit over whole epochs of the same data. */
async function fitRun(data: Dataset, x: tf.Tensor2D, y: tf.Tensor2D, batchSize: number, epochs: number): Promise<number> {
  const { model } = await buildModel(
    options.model,
    { batchSize, learningRate: LEARNING_RATE },
    {
      shape: data.shape,
      features: data.features,
      outputs: data.outputs,
      task: 'classification',
      seed: 1,
    },
    process.cwd(),
  );
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
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- tfjs does not export ModelLoggingVerbosity; 0 is its SILENT
  await model.fit(xs, ys, { batchSize, epochs: whole, shuffle: true, verbose: 0 });
  const seconds = (performance.now() - start) / 1000;
  if (xs !== x) tf.dispose([xs, ys]);
  model.optimizer.dispose();
  model.dispose();
  return (rows * whole) / seconds;
}

/** PyTorch on the same training rows, in a process of its own; `worker` is absent when torch is not installed. */
async function startTorch(
  data: Dataset,
  threads: number,
): Promise<{ worker?: PythonWorker; version?: string; missing?: string; close(): void }> {
  const missing = missingPython('torch');
  if (missing) {
    console.log(`PyTorch baseline skipped: ${missing}`);
    return { missing, close: () => undefined };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'batchtune-bench-'));
  writeFileSync(path.join(dir, 'x.f32'), data.train.x);
  writeFileSync(path.join(dir, 'y.f32'), data.train.y);
  const script = new URL('./python/torch_mlp.py', import.meta.url).pathname;
  const worker = new PythonWorker(
    script,
    [
      path.join(dir, 'x.f32'),
      path.join(dir, 'y.f32'),
      String(data.train.rows),
      String(data.features),
      String(data.outputs),
      String(LEARNING_RATE),
    ],
    {
      // The same count for BLAS: torch.set_num_threads does not reach a system OpenBLAS.
      TORCH_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
      OMP_NUM_THREADS: String(threads),
    },
  );
  const ready = await worker.next<{ torch: string; threads: number; blas: string }>();
  if (ready.threads !== threads) throw new Error(`PyTorch runs ${ready.threads} threads, not ${threads}`);
  return {
    worker,
    version: `${ready.torch} on ${ready.blas}`,
    close: () => {
      worker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The trainer with `threads` wasm threads, in a process of its own (the count is fixed per process). */
async function startThreadedTrainer(threads: number): Promise<{ worker: PythonWorker; threads: number; reason: string }> {
  const script = new URL('./trainer-throughput-worker.ts', import.meta.url).pathname;
  const worker = new PythonWorker(script, [String(threads)], {}, [process.execPath, '--import', 'tsx']);
  const ready = await worker.next<{ backend: string; wasmThreads?: { threads: number; reason: string } }>();
  if (ready.backend !== 'wasm' || !ready.wasmThreads) throw new Error(`the threaded worker runs ${ready.backend}, not wasm`);
  return { worker, ...ready.wasmThreads };
}

/**
 * Where one training step's time goes on the backend: tf.profile's kernel times over `steps`
 * steps of a trainer session, per kernel, against the wall time of those steps.
 */
async function stepProfile(trainer: TfjsTrainer, batchSize: number, steps: number): Promise<string[][]> {
  const session = await trainer.open({ trialId: 0, params: { batchSize, learningRate: LEARNING_RATE }, seed: 1 });
  const request = (examples: number) => ({ limits: { examples }, batchSize, learningRate: LEARNING_RATE });
  await session.train(request(batchSize * 3), () => 'continue');
  const start = performance.now();
  const info = await tf.profile(async () => {
    await session.train(request(batchSize * (3 + steps)), () => 'continue');
  });
  const wall = (performance.now() - start) / steps;
  session.dispose();
  const kernels = new Map<string, { calls: number; ms: number }>();
  for (const kernel of info.kernels) {
    const entry = kernels.get(kernel.name) ?? { calls: 0, ms: 0 };
    entry.calls += 1;
    entry.ms += Number(kernel.kernelTimeMs) || 0;
    kernels.set(kernel.name, entry);
  }
  // Op-level entries (names ending in __op) wrap kernels already counted: leave them out of the sums.
  const counted = [...kernels].filter(([name]) => !name.endsWith('__op'));
  const inKernels = counted.reduce((sum, [, k]) => sum + k.ms, 0) / steps;
  const calls = counted.reduce((sum, [, k]) => sum + k.calls, 0) / steps;
  const rows = counted
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 6)
    .map(([name, k]) => [
      String(batchSize),
      name,
      (k.calls / steps).toFixed(1),
      (k.ms / steps).toFixed(3),
      `${((100 * k.ms) / steps / wall).toFixed(0)}%`,
    ]);
  rows.push([String(batchSize), 'all kernels', calls.toFixed(1), inKernels.toFixed(3), `${((100 * inKernels) / wall).toFixed(0)}%`]);
  rows.push([String(batchSize), 'step wall time (profiled)', '', wall.toFixed(3), '100%']);
  return rows;
}

/**
 * The active tfjs backend's speed on one product (operands reused, so XNNPACK packs once): the
 * ceiling for the trainer's largest layer, to put against PyTorch's on the same product.
 */
function tfjsSgemm(m: number, k: number, n: number): number {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  tf.tidy(() => tf.matMul(a, b).dataSync());
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    tf.tidy(() => tf.matMul(a, b).dataSync());
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  tf.dispose([a, b]);
  return (2 * m * k * n) / best / 1e9;
}

async function main(): Promise<string> {
  const began = performance.now();
  const load = { before: uptimeLoad() };
  const trainer = new TfjsTrainer(options, { baseDir: process.cwd(), seed: 1 });
  const description = await trainer.prepare();
  const info = description.info as { backend: string; backendReason: string };
  const data = await loadDataset(options.data, 'classification', process.cwd(), 1);
  const x = tf.tensor2d(data.train.x, [data.train.rows, data.features]);
  const y = tf.tensor2d(data.train.y, [data.train.rows, data.outputs]);
  const torch = await startTorch(data, 1);
  const torchThreads = THREADS > 1 ? await startTorch(data, THREADS) : undefined;
  const threaded = THREADS > 1 && info.backend === 'wasm' ? await startThreadedTrainer(THREADS) : undefined;
  const [m, k, n] = LAYER_PRODUCT;
  const sgemm = await torch.worker?.ask<{ gflops: number }>({ cmd: 'sgemm', m: SGEMM_SIZE, k: SGEMM_SIZE, n: SGEMM_SIZE });
  const torchLayer = await torch.worker?.ask<{ gflops: number }>({ cmd: 'sgemm', m, k, n });
  const tfjsLayer = tfjsSgemm(m, k, n);

  // Warm up both paths at every batch size (kernel set-up, JIT, memory growth).
  for (const batchSize of BATCH_SIZES) {
    await trainerRun(trainer, batchSize, batchSize * 4);
    await fitRun(data, x, y, batchSize, (batchSize * 4) / TRAIN);
    await torch.worker?.ask({ cmd: 'train', batch: batchSize, examples: batchSize * 4 });
    await torchThreads?.worker?.ask({ cmd: 'train', batch: batchSize, examples: batchSize * 4 });
    await threaded?.worker.ask({ batch: batchSize, examples: batchSize * 4 });
  }

  const rows: string[][] = [];
  const threadRows: string[][] = [];
  const ratio = (a: number, b: number) => (a && b ? (a / b).toFixed(2) : 'n/a');
  const rate = (a: number) => (a ? a.toFixed(0) : 'n/a');
  const gflops = (examplesPerSecond: number) => ((examplesPerSecond * FLOPS_PER_EXAMPLE) / 1e9).toFixed(1);
  for (const batchSize of BATCH_SIZES) {
    const epochs = epochsFor(batchSize);
    const examples = Math.floor((epochs * TRAIN) / batchSize) * batchSize;
    const best = { trainer: 0, right: 0, fit: 0, torch: 0, threaded: 0, torchThreads: 0 };
    // Alternate the runs so a change in machine load hits all of them; keep each one's best run.
    for (let r = 0; r < REPEATS; r++) {
      setPackingMode('auto');
      best.trainer = Math.max(best.trainer, await trainerRun(trainer, batchSize, examples));
      setPackingMode('right');
      best.right = Math.max(best.right, await trainerRun(trainer, batchSize, examples));
      setPackingMode('auto');
      best.fit = Math.max(best.fit, await fitRun(data, x, y, batchSize, epochs));
      const t = await torch.worker?.ask<{ examples_per_second: number }>({ cmd: 'train', batch: batchSize, examples });
      best.torch = Math.max(best.torch, t?.examples_per_second ?? 0);
      const w = await threaded?.worker.ask<{ examples_per_second: number }>({ batch: batchSize, examples });
      best.threaded = Math.max(best.threaded, w?.examples_per_second ?? 0);
      const tt = await torchThreads?.worker?.ask<{ examples_per_second: number }>({ cmd: 'train', batch: batchSize, examples });
      best.torchThreads = Math.max(best.torchThreads, tt?.examples_per_second ?? 0);
    }
    threadRows.push([
      String(batchSize),
      rate(best.trainer),
      rate(best.threaded),
      ratio(best.threaded, best.trainer),
      rate(best.torch),
      rate(best.torchThreads),
      ratio(best.torchThreads, best.torch),
      ratio(best.threaded, best.torchThreads),
    ]);
    const versusTorch = best.torch ? (best.trainer / best.torch).toFixed(2) : 'n/a';
    rows.push([
      String(batchSize),
      best.trainer.toFixed(0),
      best.right.toFixed(0),
      best.fit.toFixed(0),
      best.torch ? best.torch.toFixed(0) : 'n/a',
      (best.trainer / best.right).toFixed(2),
      (best.trainer / best.fit).toFixed(2),
      versusTorch,
      gflops(best.trainer),
      best.torch ? gflops(best.torch) : 'n/a',
    ]);
    console.log(
      `batch ${batchSize}: trainer ${best.trainer.toFixed(0)} (${THREADS} threads: ${best.threaded.toFixed(0)}), tfjs packing ${best.right.toFixed(0)}, ` +
        `fit ${best.fit.toFixed(0)}, PyTorch ${best.torch.toFixed(0)} (${THREADS} threads: ${best.torchThreads.toFixed(0)}) ex/s`,
    );
  }
  const profile: string[][] = [];
  for (const batchSize of [8, 512]) profile.push(...(await stepProfile(trainer, batchSize, batchSize <= 8 ? 50 : 10)));
  tf.dispose([x, y]);
  trainer.close();
  torch.close();
  torchThreads?.close();
  threaded?.worker.close();

  const table = renderTable(
    [
      'batch',
      'trainer ex/s',
      'tfjs packing ex/s',
      'fit ex/s',
      'PyTorch ex/s',
      'trainer/tfjs packing',
      'trainer/fit',
      'trainer/PyTorch',
      'trainer GFLOP/s',
      'PyTorch GFLOP/s',
    ],
    rows,
  );
  const threadSection = threaded
    ? `## Wasm threads\n\n` +
      `"${THREADS} threads" is the same trainer with \`wasmThreads: ${THREADS}\` in a process of its own (${threaded.threads} XNNPACK threads: ${threaded.reason}), ` +
      `alternated with the single-threaded runs above; PyTorch runs with torch.set_num_threads(${THREADS}) and OPENBLAS_NUM_THREADS=${THREADS} in a process of its own. ` +
      `Under load, threads wait for cores that other work holds, so these ratios depend on the load more than any other figure here.\n\n` +
      '```\n' +
      renderTable(
        [
          'batch',
          '1 thread ex/s',
          `${THREADS} threads ex/s`,
          `${THREADS} threads/1`,
          'PyTorch 1 ex/s',
          `PyTorch ${THREADS} ex/s`,
          `PyTorch ${THREADS}/1`,
          `${THREADS} threads/PyTorch ${THREADS}`,
        ],
        threadRows,
      ) +
      '\n```\n\n'
    : `## Wasm threads\n\nNot measured: ${THREADS > 1 ? `the backend is ${info.backend}, not wasm` : 'one core'}.\n\n`;
  const total = ((performance.now() - began) / 1000).toFixed(0);
  const peak = sgemm
    ? `${sgemm.gflops.toFixed(1)} GFLOP/s (PyTorch ${torch.version}, one thread, ${SGEMM_SIZE}×${SGEMM_SIZE} sgemm, best of 5)`
    : `not measured: ${torch.missing}`;
  const text =
    `# Trainer throughput (tfjs)\n\n` +
    `Machine: ${machineLine()}\n` +
    `Load: ${load.before} before, ${uptimeLoad()} after (other work was running on this machine: ratios come from alternating runs, best of each)\n` +
    `Backend: ${info.backend} (${info.backendReason}), tfjs ${tf.version.tfjs}\n` +
    `Model: MLP 784-256-256-10 (relu), momentum 0.9, lr ${LEARNING_RATE}; MNIST digits from the mnist package, ${TRAIN} training examples.\n` +
    `One core's sgemm peak: ${peak}.\n` +
    `The model's largest product (${LAYER_PRODUCT.join('×').replace(/×(\d+)×/, '×$1·$1×')}, operands reused, best of 5): ` +
    `PyTorch ${torchLayer ? `${torchLayer.gflops.toFixed(1)} GFLOP/s` : 'n/a'}, tfjs ${info.backend} ${tfjsLayer.toFixed(1)} GFLOP/s.\n` +
    `Best of ${REPEATS} alternating runs after a warm-up; whole benchmark ${total} s.\n\n` +
    `"trainer ex/s" is examples over the wall time of TrainerSession.train less its final evaluation, with matMul packing chosen per shape; ` +
    `"tfjs packing" is the same with XNNPACK always packing the right operand (tfjs's own way); ` +
    `"fit ex/s" is model.fit(x, y, {batchSize, epochs, shuffle: true}) with the 'accuracy' metric, over whole epochs; ` +
    `"PyTorch" is the same model, torch.optim.SGD(momentum=0.9) and cross-entropy in a loop over shuffled batches, torch.set_num_threads(1). ` +
    `GFLOP/s count ${(FLOPS_PER_EXAMPLE / 1e6).toFixed(2)} MFLOP per example (6 × weights).\n\n` +
    '```\n' +
    table +
    '\n```\n\n' +
    threadSection +
    `## Where a step's time goes (tf.profile, the trainer's own step; kernels with the most time, per step)\n\n` +
    `Kernel times are measured around each kernel; the rest of the wall time is tfjs's per-op work in JavaScript (tape, ` +
    `tensor bookkeeping, dispatch) and the trainer's loop. Profiling adds its own overhead, so these steps are slower than above.\n\n` +
    '```\n' +
    renderTable(['batch', 'kernel', 'calls', 'ms', 'share of step'], profile) +
    '\n```\n';
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/trainer-throughput.md', import.meta.url), text);
  return text;
}

console.log(await main());
