/**
 * Exit codes for runs that produce nothing, on the real bin: a run in which every trial failed exits 1
 * and says why (each reason once), even with --quiet; a bad data file (real Fashion-MNIST, as a CSV with
 * a cell a spreadsheet wrote as "n/a", and as a truncated IDX download) is bad input: exit 2 with the
 * file, the line or byte offset, and the fix.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { everyTrialFailed } from '../../bin/trial-failures.ts';
import { runBinAsync } from '../helpers/cli.ts';
import { tempDir, writeJson } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');
const dir = tempDir('batchtune-failures-');
copyFileSync(join(root, 'test/fixtures/plugins/broken-trainer.mjs'), join(dir, 'broken-trainer.mjs'));
const STACK = /^\s+at .+[(:]\d+/m;

const config = (name: string, body: object): string => writeJson(dir, name, body);

describe('every trial failed', () => {
  const broken = config('broken.json', {
    seed: 1,
    plugins: ['./broken-trainer.mjs'],
    budget: { limit: 1e5 },
    strategy: { type: 'grid' },
    trainer: { type: 'broken' },
  });
  const why =
    "batchtune: every trial failed (3 of 3): broken failed in open: Cannot read properties of undefined (reading 'shape') (trials 0, 1, 2) (rerun with --debug for the stack traces)\n";

  test('exit 1 and the reason, once, even with --quiet; --json still prints the summary on stdout', async () => {
    const [quiet, json] = await Promise.all([
      runBinAsync(['run', broken, '--quiet', '--journal', join(dir, 'quiet.jsonl')], { cwd: dir }),
      runBinAsync(['run', broken, '-q', '-j', '--journal', join(dir, 'json.jsonl')], { cwd: dir }),
    ]);
    expect({ code: quiet.code, stderr: quiet.stderr }).toEqual({ code: 1, stderr: why });
    expect(quiet.stdout).toContain('best: none (no trial finished with a finite objective)');
    expect({ code: json.code, stderr: json.stderr }).toEqual({ code: 1, stderr: why });
    const summary = JSON.parse(json.stdout) as { best: unknown; trials: Array<{ state: string }> };
    expect(summary.best).toBeNull();
    expect(summary.trials.map((t) => t.state)).toEqual(['failed', 'failed', 'failed']);
  });

  test('record: no curve recorded exits 1 with the reasons, each once', async () => {
    const run = await runBinAsync(['record', broken, '--seeds', '1', '-q', '-o', join(dir, 'none.json')], { cwd: dir });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
    expect(run.stderr).toBe(
      "batchtune: no trial produced a curve; nothing to record: broken failed in open: Cannot read properties of undefined (reading 'shape') (runs seed 1 batch 8, seed 1 batch 16, seed 1 batch 32)\n",
    );
  });

  test('each distinct reason once, with the trials it ended; infeasible trials count as failed; one result is enough', () => {
    const trials = [
      { trialId: 0, state: 'failed' as const, reason: 'tabular failed in open: boom' },
      { trialId: 1, state: 'infeasible' as const, reason: 'batch size 512 is infeasible: out of memory' },
      { trialId: 2, state: 'failed' as const, reason: 'tabular failed in open: boom' },
      ...Array.from({ length: 7 }, (_, i) => ({ trialId: 3 + i, state: 'failed' as const, reason: 'tabular failed in open: boom' })),
    ];
    expect(everyTrialFailed(trials)).toBe(
      'every trial failed (10 of 10): tabular failed in open: boom (trials 0, 2, 3 and 6 more); batch size 512 is infeasible: out of memory (trial 1)',
    );
    expect(everyTrialFailed([...trials, { trialId: 10, state: 'completed' as const }])).toBeUndefined();
    expect(everyTrialFailed([])).toBeUndefined();
  });
});

const fashion = '/usr/share/datasets/fashion-mnist';
const hasFashion = existsSync(join(fashion, 't10k-images-idx3-ubyte.gz'));
if (!hasFashion) console.warn(`SKIPPED: bad data files from Fashion-MNIST: no ${fashion} (apt-get install -y dataset-fashion-mnist)`);

(hasFashion ? describe : describe.skip)('a bad data file is bad input: exit 2, the file, where, and the fix', () => {
  const images = hasFashion ? gunzipSync(readFileSync(join(fashion, 't10k-images-idx3-ubyte.gz'))) : Buffer.alloc(0);
  const labels = hasFashion ? gunzipSync(readFileSync(join(fashion, 't10k-labels-idx1-ubyte.gz'))) : Buffer.alloc(0);
  const tfjs = (data: object) => ({
    seed: 1,
    budget: { limit: 400 },
    strategy: { type: 'grid', maxResource: 40 },
    space: { batchSize: [8] },
    trainer: { type: 'tfjs', backend: 'cpu', task: 'classification', model: { type: 'linear' }, data },
  });

  test('a CSV of real images with one cell written as "n/a": the line, the column and what a cell must be', async () => {
    const header = ['label', ...Array.from({ length: 784 }, (_, p) => `px${p}`)].join(',');
    const rows = Array.from({ length: 60 }, (_, i) => [labels[8 + i], ...images.subarray(16 + 784 * i, 16 + 784 * (i + 1))]);
    const line = rows.map((r) => r.join(','));
    line[40] = line[40]?.replace(/^(\d+),(\d+),(\d+),/, '$1,$2,n/a,') ?? '';
    writeFileSync(join(dir, 'fashion.csv'), `${header}\n${line.join('\n')}\n`);
    const path = config('csv.json', tfjs({ type: 'csv', path: 'fashion.csv', label: 'label' }));
    const [run, validate] = await Promise.all([
      runBinAsync(['run', path, '-q', '--journal', join(dir, 'csv.jsonl')], { cwd: dir }),
      runBinAsync(['validate', path, '--json'], { cwd: dir }),
    ]);
    const message =
      'tfjs failed in prepare: trainer.data.path: fashion.csv line 42, column "px1": "n/a" is not a number; every cell after the header must be a finite number';
    expect(run.code).toBe(2);
    expect(run.stderr.endsWith(`batchtune: ${message}\n`)).toBe(true);
    expect(run.stderr).not.toMatch(STACK);
    // validate --json: the same, as data on stdout; the line on stderr.
    expect(validate.code).toBe(2);
    expect(JSON.parse(validate.stdout)).toEqual({ config: path, valid: false, error: { code: 'DATA_INVALID', message } });
    expect(validate.stderr.endsWith(`batchtune: ${message}\n`)).toBe(true);
  });

  test('an IDX images file cut short (an interrupted download): the byte where it ends, the size it needs, the fix', async () => {
    const cut = 16 + 784 * 100 + 123;
    writeFileSync(join(dir, 'images.idx'), images.subarray(0, cut));
    writeFileSync(join(dir, 'labels.idx'), labels);
    const path = config('idx.json', tfjs({ type: 'idx', images: 'images.idx', labels: 'labels.idx' }));
    const run = await runBinAsync(['run', path, '-q', '--journal', join(dir, 'idx.jsonl')], { cwd: dir });
    expect(run.code).toBe(2);
    expect(
      run.stderr.endsWith(
        `batchtune: tfjs failed in prepare: trainer.data.images: images.idx ends at byte ${cut} but its header [10000,28,28] needs ${16 + 784 * 10000} bytes; the file is truncated: use the full file\n`,
      ),
    ).toBe(true);
    expect(run.stderr).not.toMatch(STACK);
  });
});
