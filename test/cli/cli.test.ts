import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SearchSummary } from '../../index.ts';
import { runBin, spawnBin } from '../helpers/cli.ts';
import { knownTable, tempDir, writeJson, writeTabular } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');

function cli(args: string[], cwd = root) {
  return runBin(args, { cwd });
}

const dir = tempDir();
writeTabular(dir, knownTable());
const writeConfig = (name: string, config: object): string => writeJson(dir, name, config);
const grid = writeConfig('grid.json', {
  seed: 2,
  budget: { limit: 1e6 },
  strategy: { type: 'grid' },
  trainer: { type: 'tabular', file: 'curves.json' },
});

describe('batchtune CLI', () => {
  test('run --json prints the documented summary on stdout', () => {
    const { code, stdout, stderr } = cli(['run', grid, '--json', '--journal', join(dir, 'run.jsonl')]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as SearchSummary;
    expect(summary.best).toEqual({
      trialId: 1,
      params: { batchSize: 32, learningRate: 0.1 },
      metric: 'val_acc',
      value: 0.95,
      resource: 10000,
    });
    expect(summary.budget).toEqual({ unit: 'examples', limit: 1e6, spent: 40000 });
    expect(summary.seed).toBe(2);
    expect(summary.strategy).toBe('grid');
    expect(summary.trials[0]).toMatchObject({
      trialId: 0,
      params: { batchSize: 8, learningRate: 0.1 },
      state: 'completed',
      value: 0.9,
      resource: 10000,
    });
    expect(Object.keys(summary.trials[0]?.metrics ?? {})).toEqual(['val_acc', 'val_loss']);
    expect(stderr).toContain('trial 3 (batchSize=512 learningRate=0.1) completed at 10000: 0.7');
  });

  test('run without --json prints a table and the best', () => {
    const { code, stdout } = cli(['run', grid, '--journal', join(dir, 'table.jsonl'), '--quiet']);
    expect(code).toBe(0);
    expect(stdout).toContain('best: trial 1 batchSize=32 learningRate=0.1 val_acc=0.95 at 10000 examples');
    expect(stdout).toContain('budget: spent 40000 of 1000000 examples');
  });

  test('validate reports a bad config on one line with exit code 2', () => {
    const bad = writeConfig('bad.json', {
      budget: { limit: 10 },
      strategy: { type: 'sha' },
      trainer: { type: 'tabular', file: 'curves.json' },
    });
    const { code, stderr, stdout } = cli(['validate', bad]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^batchtune: strategy\.type: unknown strategy "sha"[^\n]*; known: [^\n]*grid[^\n]*\n$/);
    expect(cli(['validate', grid]).stdout).toBe(`${grid}: valid (strategy grid, trainer tabular, budget 1000000 examples)\n`);
  });

  test('bad flags and unknown commands exit 2 with a usage line', () => {
    expect(cli(['run', grid, '--sed', '3']).code).toBe(2);
    expect(cli(['run', grid, '--seed', 'x']).stderr).toContain('--seed: must be a whole number >= 0 (got "x")');
    expect(cli(['frobnicate']).stderr).toContain('unknown command "frobnicate"');
    expect(cli(['run', join(dir, 'nope.json')]).stderr).toContain('nope.json: config file not found');
  });

  test('show prints the trials of a journal', () => {
    const journal = join(dir, 'show.jsonl');
    cli(['run', grid, '--journal', journal, '--quiet']);
    const { code, stdout } = cli(['show', journal]);
    expect(code).toBe(0);
    expect(stdout).toContain('grid on tabular, seed 2, 4 trials');
    expect(stdout.split('\n').filter((l) => /completed/.test(l))).toHaveLength(4);
  });

  test('SIGKILL mid-search, then --resume, gives the same summary as an uninterrupted run', async () => {
    const slow = writeConfig('slow.json', {
      seed: 9,
      budget: { limit: 30000 },
      strategy: { type: 'random' },
      trainer: { type: 'tabular', file: 'curves.json' },
      callbacks: [{ type: 'slow', ms: 60 }],
      plugins: [join(root, 'test/fixtures/plugins/slow-callback.js')],
    });
    const full = cli(['run', slow, '--json', '--journal', join(dir, 'full.jsonl'), '--quiet']);
    expect(full.code).toBe(0);

    const journal = join(dir, 'killed.jsonl');
    const child = spawnBin(['run', slow, '--json', '--journal', journal, '--quiet'], { cwd: root });
    await new Promise<void>((done) => {
      const poll = setInterval(() => {
        const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length : 0;
        if (lines > 12) {
          clearInterval(poll);
          child.kill('SIGKILL');
          done();
        }
      }, 5);
    });
    await new Promise((done) => child.on('exit', done));
    expect(readFileSync(journal, 'utf8')).not.toContain('"searchEnd"');

    const resumed = cli(['run', slow, '--json', '--journal', journal, '--resume', '--quiet']);
    expect(resumed.code).toBe(0);
    const strip = (text: string) => ({ ...(JSON.parse(text) as SearchSummary), elapsedSeconds: undefined });
    expect(strip(resumed.stdout)).toEqual(strip(full.stdout));
  });
});
