import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binPath } from '../helpers/cli.ts';
import { knownTable, tempDir, writeTabular } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = binPath;
const trace = join(root, 'test/fixtures/module-trace/register.mjs');

/** Runs node with a hook that prints each import of @tensorflow/* to stderr. */
function traced(args: string[], cwd = root) {
  const result = spawnSync(process.execPath, ['--import', trace, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    tfjs: result.stderr.split('\n').filter((l) => l.startsWith('loads @tensorflow/')),
  };
}

describe('start-up', () => {
  it('the trace sees TensorFlow.js when the tfjs trainer is used (so its silence below means something)', () => {
    const script = `const { tfjsTrainer } = await import(${JSON.stringify(join(root, 'plugins/trainers/tfjs/index.ts'))});
      const trainer = tfjsTrainer.create({ backend: 'cpu' }, { baseDir: '.', seed: 1 });
      await trainer.prepare?.().catch(() => undefined);`;
    const { tfjs } = traced(['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(tfjs).toEqual(expect.arrayContaining([expect.stringContaining('loads @tensorflow/tfjs from file://')]));
  });

  it('--help, validate and a tabular search never load TensorFlow.js', () => {
    const dir = tempDir();
    writeTabular(dir, knownTable());
    const config = join(dir, 'grid.json');
    writeFileSync(
      config,
      JSON.stringify({ seed: 1, budget: { limit: 1e6 }, strategy: { type: 'asha' }, trainer: { type: 'tabular', file: 'curves.json' } }),
    );
    for (const args of [['--help'], ['validate', config], ['run', config, '--quiet', '--journal', join(dir, 'run.jsonl')]]) {
      const run = traced([bin, ...args]);
      expect({ args, code: run.code, tfjs: run.tfjs }).toEqual({ args, code: 0, tfjs: [] });
    }
  });
});
