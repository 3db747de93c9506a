/**
 * A journal's header records the content hash (sha256) of every file its config makes batchtune read,
 * found by asking each plugin (`dataFiles`) plus the user plugin modules; `--resume` refuses changed data
 * with one line naming the file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRegistry, resolveStudyConfig, runStudy, type JournalRecord } from '../../index.ts';
import { configDataFiles, hashDataFiles } from '../../core/data-files.ts';
import { processTrainer } from '../../plugins/trainers/process/index.ts';
import { journalRecords } from '../helpers/journal.ts';
import { knownTable, tempDir, writeTabular } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/batchtune.js');

/** sha256 as coreutils computes it: an implementation batchtune does not share. */
function sha256sum(path: string): string {
  return at(execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' '), 0);
}

function header(journal: string): Extract<JournalRecord, { t: 'header' }> {
  return journalRecords(journal)[0] as Extract<JournalRecord, { t: 'header' }>;
}

describe('data file hashes', () => {
  const dir = tempDir('batchtune-data-');
  writeTabular(dir, knownTable());
  copyFileSync(join(root, 'test/fixtures/plugins/slow-callback.js'), join(dir, 'slow-callback.mjs'));
  const config = {
    seed: 5,
    budget: { limit: 30000 },
    strategy: { type: 'random' },
    trainer: { type: 'tabular', file: 'curves.json' },
    callbacks: [{ type: 'slow', ms: 0 }],
    plugins: ['slow-callback.mjs'],
  };
  writeFileSync(join(dir, 'study.json'), JSON.stringify(config));
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });

  test('the header holds the sha256 and size of the tabular file and of the plugin module', async () => {
    const journal = join(tempDir(), 'j.jsonl');
    await runStudy(config, { baseDir: dir, journal });
    expect(header(journal).data).toEqual([
      {
        file: 'slow-callback.mjs',
        sha256: sha256sum(join(dir, 'slow-callback.mjs')),
        bytes: readFileSync(join(dir, 'slow-callback.mjs')).length,
      },
      { file: 'curves.json', sha256: sha256sum(join(dir, 'curves.json')), bytes: readFileSync(join(dir, 'curves.json')).length },
    ]);
  });

  test('--resume on changed data is refused with one line naming the file; with the data restored it resumes', () => {
    const journal = join(tempDir(), 'j.jsonl');
    const first = cli('run', 'study.json', '--journal', journal, '--quiet', '--json');
    expect(first.status).toBe(0);
    const lines = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, `${lines.slice(0, 12).join('\n')}\n`);

    const original = readFileSync(join(dir, 'curves.json'), 'utf8');
    const before = sha256sum(join(dir, 'curves.json'));
    // One recorded number changes (0.9 → 0.8 in the final val_acc of batch 8): still a valid file, other results.
    writeFileSync(join(dir, 'curves.json'), original.replace('"val_acc":0.9,', '"val_acc":0.8,'));
    expect(readFileSync(join(dir, 'curves.json'), 'utf8')).not.toBe(original);
    try {
      const refused = cli('run', 'study.json', '--journal', journal, '--resume', '--quiet', '--json');
      expect(refused.stderr).toBe(
        `batchtune: ${journal}: data file curves.json changed since this journal was started (sha256 ${before.slice(0, 12)}, ${original.length} bytes then; sha256 ${sha256sum(join(dir, 'curves.json')).slice(0, 12)}, ${original.length} bytes now); resume with the data it started with, or use a new --journal\n`,
      );
      expect(refused.status).toBe(2);
      expect(readFileSync(journal, 'utf8')).toBe(`${lines.slice(0, 12).join('\n')}\n`);
    } finally {
      writeFileSync(join(dir, 'curves.json'), original);
    }
    const resumed = cli('run', 'study.json', '--journal', journal, '--resume', '--quiet', '--json');
    expect(resumed.status).toBe(0);
    const strip = (text: string) => ({ ...(JSON.parse(text) as object), elapsedSeconds: undefined });
    expect(strip(resumed.stdout)).toEqual(strip(first.stdout));
  });

  test('a changed plugin module is changed data too', async () => {
    const journal = join(tempDir(), 'j.jsonl');
    await runStudy(config, { baseDir: dir, journal });
    writeFileSync(journal, `${readFileSync(journal, 'utf8').split('\n').slice(0, 5).join('\n')}\n`);
    const module = join(dir, 'slow-callback.mjs');
    const original = readFileSync(module, 'utf8');
    writeFileSync(module, `${original}\n// edited\n`);
    try {
      await expect(runStudy(config, { baseDir: dir, journal, resume: true })).rejects.toThrow(
        /data file slow-callback\.mjs changed since this journal was started/,
      );
    } finally {
      writeFileSync(module, original);
    }
  });

  const fashion = '/usr/share/datasets/fashion-mnist';
  const hasFashion = existsSync(join(fashion, 'train-images-idx3-ubyte.gz'));
  if (!hasFashion) console.warn(`SKIPPED: tfjs data hashes on Fashion-MNIST: no ${fashion} (apt-get install -y dataset-fashion-mnist)`);
  (hasFashion ? test : test.skip)('tfjs: the IDX images and labels, test data and a model module are hashed (Fashion-MNIST)', async () => {
    const tfjs = {
      type: 'tfjs',
      backend: 'cpu',
      model: { type: 'module', path: join(root, 'test/fixtures/tfjs/tiny-model.js') },
      data: {
        type: 'idx',
        images: join(fashion, 'train-images-idx3-ubyte.gz'),
        labels: join(fashion, 'train-labels-idx1-ubyte.gz'),
        test: { images: join(fashion, 't10k-images-idx3-ubyte.gz'), labels: join(fashion, 't10k-labels-idx1-ubyte.gz') },
        train: 1000,
        validation: 200,
      },
    };
    const registry = createRegistry();
    const resolved = await resolveStudyConfig(
      { budget: { limit: 1000 }, space: { batchSize: [32], learningRate: 0.1 }, trainer: tfjs },
      { registry, baseDir: dir },
    );
    const files = configDataFiles(resolved, registry, dir);
    expect(files).toEqual([tfjs.data.images, tfjs.data.labels, tfjs.data.test.images, tfjs.data.test.labels, tfjs.model.path]);
    const hashes = await hashDataFiles(files, dir);
    expect(hashes.map((h) => h.sha256)).toEqual(files.map(sha256sum));
  });

  test('process: the script and the files its arguments name, not the interpreter found on the PATH', () => {
    const project = tempDir('batchtune-process-');
    mkdirSync(join(project, 'scripts'));
    writeFileSync(join(project, 'scripts/train.py'), 'print("hello")\n');
    writeFileSync(join(project, 'data.csv'), 'x,y\n1,2\n');
    const options = { command: ['python3', 'train.py', '--data', '../data.csv', '--epochs', '3'], cwd: 'scripts' };
    expect(processTrainer.dataFiles?.(options as never, { baseDir: project, seed: 0 })).toEqual(['scripts/train.py', 'data.csv']);
    const script = { command: ['./scripts/train.py'] };
    expect(processTrainer.dataFiles?.(script as never, { baseDir: project, seed: 0 })).toEqual(['scripts/train.py']);
  });
});
