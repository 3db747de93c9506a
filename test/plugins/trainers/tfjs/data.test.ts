import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import seedrandom from 'seedrandom';
import type { Report } from '../../../../core/trainer.ts';
import { tfjsTrainer } from '../../../../plugins/trainers/tfjs/index.ts';
import type { TfjsOptions } from '../../../../plugins/trainers/tfjs/options.ts';
import { createTrainer, params, segment, tmpDir, withDefaults } from './helpers.ts';
import { at } from '../../../../core/indexed.ts';
import { defined } from '../../../helpers/defined.ts';

const dir = tmpDir();
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Buffer): string {
  fs.writeFileSync(path.join(dir, name), content);
  return name;
}

/** An IDX file: magic 0x000008NN, NN big-endian sizes, then the bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** 8×8 images of three classes: a bright band of rows at a class-dependent height, plus noise. */
function stripes(count: number): { images: Uint8Array; labels: Uint8Array } {
  const random = seedrandom('stripes');
  const images = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let p = 0; p < 64; p++) {
      const row = Math.floor(p / 8);
      const band = row >= label * 3 && row < label * 3 + 2;
      images[i * 64 + p] = Math.min(255, Math.floor((band ? 150 : 0) + random() * 100));
    }
  }
  return { images, labels };
}

/** Two Gaussian blobs (classification) or a noisy line (regression) as CSV text. */
function csv(rows: number, task: 'classification' | 'regression'): string {
  const random = seedrandom(task);
  const lines = ['a,b,y'];
  for (let i = 0; i < rows; i++) {
    const a = random() * 2 - 1;
    const b = random() * 2 - 1;
    const y = task === 'classification' ? (a + b > 0 ? 1 : 0) : 2 * a - b + (random() - 0.5) * 0.1;
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${task === 'classification' ? y : y.toFixed(4)}`);
  }
  return lines.join('\n') + '\n';
}

async function trainOnce(options: TfjsOptions, batchSize = 20, learningRate = 0.1, examples = 1200): Promise<Report[]> {
  const trainer = createTrainer(options, { baseDir: dir, seed: 3 });
  await trainer.prepare();
  const session = await trainer.open({ trialId: 0, params: params(batchSize, learningRate), seed: 5 });
  try {
    // A first segment of one step reports the nearly untrained weights: the baseline.
    const before = await segment(session, { limits: { examples: batchSize }, batchSize, learningRate });
    return [...before.reports, ...(await segment(session, { limits: { examples }, batchSize, learningRate })).reports];
  } finally {
    await session.dispose();
    void trainer.close();
  }
}

/** Training goes on improving after the first report: the validation loss falls (accuracy may already be saturated there). */
function improves(reports: Report[]): void {
  expect(defined(defined(reports.at(-1), 'the last report').metrics.val_loss, 'val_loss')).toBeLessThan(
    defined(at(reports, 0).metrics.val_loss, 'the first val_loss'),
  );
}

const { images, labels } = stripes(400);
write('images.idx', idx([400, 8, 8], images));
write('labels.idx', idx([400], labels));
write('images.idx.gz', gzipSync(idx([400, 8, 8], images)));
write('labels.idx.gz', gzipSync(idx([400], labels)));

describe('data sources train for real', () => {
  it('mnist: a subset of the real digits', async () => {
    const reports = await trainOnce(
      withDefaults({
        backend: 'wasm',
        model: { type: 'mlp', hidden: [32] },
        data: { type: 'mnist', train: 1000, validation: 200 },
        evalEvery: 200,
      }),
      20,
      0.1,
      1200,
    );
    improves(reports);
    expect(defined(reports.at(-1), 'reports.at(-1)').metrics.val_acc).toBeGreaterThan(0.6);
  });

  it('idx, raw and gzipped, give the same data and training', async () => {
    const options = (images: string, labels: string) =>
      withDefaults({
        backend: 'wasm',
        model: { type: 'linear' },
        data: { type: 'idx', images, labels, train: 300, validation: 100 },
        evalEvery: 100,
      });
    const raw = await trainOnce(options('images.idx', 'labels.idx'), 10, 0.1, 600);
    improves(raw);
    expect(defined(raw.at(-1), 'raw.at(-1)').metrics.val_acc).toBeGreaterThan(0.9);
    const zipped = await trainOnce(options('images.idx.gz', 'labels.idx.gz'), 10, 0.1, 600);
    expect(zipped.map((r) => r.metrics.val_loss)).toEqual(raw.map((r) => r.metrics.val_loss));
    expect(raw).toHaveLength(1 + 6);
  });

  it('idx images keep their shape, so a cnn trains on them', async () => {
    const reports = await trainOnce(
      withDefaults({
        backend: 'wasm',
        model: { type: 'cnn', filters: [4] },
        data: { type: 'idx', images: 'images.idx', labels: 'labels.idx', train: 300, validation: 100 },
        evalEvery: 100,
      }),
      10,
      0.05,
      300,
    );
    improves(reports);
  });

  it('csv: classification (accuracy rises) and regression (loss falls, objective val_loss min)', async () => {
    write('blobs.csv', csv(400, 'classification'));
    const cls = await trainOnce(
      withDefaults({ backend: 'wasm', model: { type: 'linear' }, data: { type: 'csv', path: 'blobs.csv', label: 'y' }, evalEvery: 100 }),
      10,
      0.5,
      600,
    );
    improves(cls);
    expect(defined(cls.at(-1), 'cls.at(-1)').metrics.val_acc).toBeGreaterThan(0.9);

    write('line.csv', csv(400, 'regression'));
    const options = withDefaults({
      backend: 'wasm',
      task: 'regression',
      model: { type: 'linear' },
      data: { type: 'csv', path: 'line.csv', label: 'y' },
      evalEvery: 100,
    });
    const trainer = createTrainer(options, { baseDir: dir });
    expect((await trainer.prepare()).objective).toEqual({ metric: 'val_loss', mode: 'min' });
    void trainer.close();
    const reg = await trainOnce(options, 10, 0.1, 600);
    improves(reg);
    expect(defined(reg.at(-1), 'reg.at(-1)').metrics.val_loss).toBeLessThan(0.05);
    expect(defined(reg.at(-1), 'reg.at(-1)').metrics).not.toHaveProperty('val_acc');
    expect(defined(reg.at(-1), 'reg.at(-1)').metrics).not.toHaveProperty('train_acc');
  });

  it('module: plain arrays or tensors, from a function or as exports, with a test file', async () => {
    write(
      'blobs.mjs',
      `export default function (tf) {
         const x = [], y = [];
         for (let i = 0; i < 300; i++) { const a = Math.sin(i * 12.9898) , b = Math.cos(i * 78.233); x.push([a, b]); y.push(a - b > 0 ? 1 : 0); }
         return { x: tf.tensor2d(x), y };
       }`,
    );
    write('blobs-test.mjs', `export const x = [[1, -1], [-1, 1], [0.5, -0.4]]; export const y = [1, 0, 1];`);
    const reports = await trainOnce(
      withDefaults({
        backend: 'wasm',
        model: { type: 'linear' },
        data: { type: 'module', path: 'blobs.mjs', test: 'blobs-test.mjs', train: 200, validation: 100 },
        evalEvery: 200,
      }),
      10,
      0.5,
      600,
    );
    improves(reports);
    expect(defined(reports.at(-1), 'reports.at(-1)').metrics.test_acc).toBe(1);
    // Test metrics come with the segment's last report only.
    expect(at(reports, 1).metrics).not.toHaveProperty('test_acc');
  });
});

describe('module data shapes', () => {
  it('one-hot label rows count as classes; tensors keep their example shape', async () => {
    write(
      'onehot.mjs',
      `export function load(tf) {
         const x = [], y = [];
         for (let i = 0; i < 60; i++) { const c = i % 3; x.push([[c, 1 - c], [i % 2, c / 2]]); y.push([0, 1, 2].map((k) => (k === c ? 1 : 0))); }
         return { x: tf.tensor3d(x), y };
       }`,
    );
    const trainer = createTrainer(
      withDefaults({ backend: 'wasm', model: { type: 'linear' }, data: { type: 'module', path: 'onehot.mjs' } }),
      { baseDir: dir },
    );
    expect((await trainer.prepare()).info).toMatchObject({ data: { train: 48, validation: 12, shape: [2, 2], classes: 3 } });
    void trainer.close();
  });
});

describe('bad data fails with a message naming the field, file and problem', () => {
  async function prepareError(data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<unknown> {
    const trainer = createTrainer(withDefaults({ backend: 'wasm', model: { type: 'linear' }, data, ...extra }), { baseDir: dir });
    return trainer.prepare().then(
      () => {
        throw new Error('prepare() succeeded');
      },
      (error: unknown) => error,
    );
  }

  it('idx: wrong magic number, counts that differ, a truncated file', async () => {
    expect(await prepareError({ type: 'idx', images: 'labels.idx', labels: 'labels.idx' })).toMatchObject({
      code: 'DATA_INVALID',
      message:
        'trainer.data.images: labels.idx byte 0: magic number 0x00000801 is not 0x00000803 (IDX images); it looks like an IDX labels file: are images and labels swapped?',
    });
    expect(await prepareError({ type: 'idx', images: 'images.idx', labels: 'images.idx.gz' })).toMatchObject({
      message:
        'trainer.data.labels: images.idx.gz (decompressed) byte 0: magic number 0x00000803 is not 0x00000801 (IDX labels); it looks like an IDX images file: are images and labels swapped?',
    });
    write('labels399.idx', idx([399], labels.subarray(0, 399)));
    expect(await prepareError({ type: 'idx', images: 'images.idx', labels: 'labels399.idx' })).toMatchObject({
      code: 'DATA_INVALID',
      message: 'trainer.data: 400 images in images.idx but 399 labels in labels399.idx; the counts must match',
    });
    write('short.idx', idx([400, 8, 8], images).subarray(0, 1000));
    expect(await prepareError({ type: 'idx', images: 'short.idx', labels: 'labels.idx' })).toMatchObject({
      message:
        'trainer.data.images: short.idx ends at byte 1000 but its header [400,8,8] needs 25616 bytes; the file is truncated: use the full file',
    });
  });

  it('csv: a missing label column lists the columns; a non-numeric cell names line and column', async () => {
    write('blobs.csv', csv(400, 'classification'));
    expect(await prepareError({ type: 'csv', path: 'blobs.csv', label: 'target' })).toMatchObject({
      code: 'DATA_INVALID',
      message: 'trainer.data.label: column "target" not found in blobs.csv; its columns are: a, b, y',
    });
    write('bad.csv', 'a,b,y\n1,2,0\n3,abc,1\n');
    expect(await prepareError({ type: 'csv', path: 'bad.csv', label: 'y' })).toMatchObject({
      code: 'DATA_INVALID',
      message: 'trainer.data.path: bad.csv line 3, column "b": "abc" is not a number; every cell after the header must be a finite number',
    });
    write('ragged.csv', 'a,b,y\n1,2,0\n3,1\n');
    expect(await prepareError({ type: 'csv', path: 'ragged.csv', label: 'y' })).toMatchObject({
      message: 'trainer.data.path: ragged.csv line 3 has 2 cells but the header has 3; give every row one cell per column (a, b, y)',
    });
    write('fractional.csv', 'a,b,y\n1,2,0\n3,1,0.5\n');
    expect(await prepareError({ type: 'csv', path: 'fractional.csv', label: 'y' })).toMatchObject({
      message: 'trainer.data: row 2 of fractional.csv has label 0.5; classification needs integer classes 0, 1, 2, ...',
    });
  });

  it('a split larger than the data', async () => {
    expect(await prepareError({ type: 'csv', path: 'blobs.csv', label: 'y', train: 900, validation: 200 })).toMatchObject({
      code: 'DATA_INVALID',
      message:
        'trainer.data: train (900) + validation (200) need 1100 examples but blobs.csv has 400; lower trainer.data.train or .validation',
    });
  });

  it('module: the wrong exports', async () => {
    write('nothing.mjs', 'export const rows = [];');
    expect(await prepareError({ type: 'module', path: 'nothing.mjs' })).toMatchObject({
      code: 'DATA_INVALID',
      message: 'trainer.data.path: nothing.mjs must export { x, y }, or a default or load function returning them; it exports rows',
    });
  });
});

describe('check()', () => {
  const check =
    (data: Record<string, unknown>, model: Record<string, unknown> = { type: 'linear' }) =>
    () =>
      tfjsTrainer.check?.(withDefaults({ model, data }), { baseDir: dir, seed: 1 }, 'trainer');

  it('names a missing file by its field, relative to the config folder', () => {
    expect(check({ type: 'idx', images: 'images.idx', labels: 'labels.idx' })).not.toThrow();
    expect(check({ type: 'idx', images: 'missing.idx', labels: 'labels.idx' })).toThrow(
      'trainer.data.images: file not found (got "missing.idx")',
    );
    expect(check({ type: 'idx', images: 'images.idx', labels: 'labels.idx', test: { images: 'images.idx', labels: 'nope.idx' } })).toThrow(
      'trainer.data.test.labels: file not found (got "nope.idx")',
    );
    expect(check({ type: 'csv', path: 'nope.csv', label: 'y' })).toThrow('trainer.data.path: file not found (got "nope.csv")');
    expect(check({ type: 'mnist' }, { type: 'module', path: 'model.js' })).toThrow('trainer.model.path: file not found (got "model.js")');
  });

  it('refuses a cnn on csv rows', () => {
    expect(check({ type: 'csv', path: 'blobs.csv', label: 'y' }, { type: 'cnn' })).toThrow('trainer.model.type: a cnn needs image data');
  });
});
