/**
 * `--json` on validate and record (as on run, show, report, profile, noise-scale): one documented object
 * on stdout and nothing else there, from the real bin.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordJson } from '../../bin/commands/record.ts';
import type { ValidateJson } from '../../bin/commands/validate.ts';
import { runBinAsync } from '../helpers/cli.ts';
import { knownTable, tempDir, writeTabular } from '../helpers/tabular.ts';

const dir = tempDir('batchtune-json-');
writeTabular(dir, knownTable());
const grid = join(dir, 'grid.json');
writeFileSync(
  grid,
  JSON.stringify({ seed: 2, budget: { limit: 1e6 }, strategy: { type: 'grid' }, trainer: { type: 'tabular', file: 'curves.json' } }),
);

test('validate --json: the config as a run resolves it (defaults filled in); an invalid one: valid false, the code and the message, exit 2', async () => {
  const typo = join(dir, 'typo.json');
  writeFileSync(
    typo,
    JSON.stringify({ seed: 2, budget: { limit: 1e6 }, strategy: { type: 'sha' }, trainer: { type: 'tabular', file: 'curves.json' } }),
  );
  const [ok, bad] = await Promise.all([
    runBinAsync(['validate', grid, '-j'], { cwd: dir }),
    runBinAsync(['validate', typo, '--json'], { cwd: dir }),
  ]);
  expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
  const valid = JSON.parse(ok.stdout) as ValidateJson;
  expect(valid).toMatchObject({
    config: grid,
    valid: true,
    resolved: {
      seed: 2,
      budget: { unit: 'examples', limit: 1e6 },
      strategy: { type: 'grid' },
      trainer: { type: 'tabular' },
      executor: { type: 'inline' },
    },
  });
  expect(bad.code).toBe(2);
  const message =
    'strategy.type: unknown strategy "sha" (did you mean "asha"?); known: ' + (/known: ([^\n]+)\n/.exec(bad.stderr)?.[1] ?? '');
  expect(JSON.parse(bad.stdout)).toEqual({ config: typo, valid: false, error: { code: 'UNKNOWN_PLUGIN', message } });
  expect(bad.stderr).toBe(`batchtune: ${message}\n`);
});

test('record --json: where the curves went and what they hold; the file is the one it describes', async () => {
  const out = join(dir, 'recorded.json');
  const run = await runBinAsync(['record', grid, '--seeds', '2', '-o', out, '-j', '-q'], { cwd: dir });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  const result = JSON.parse(run.stdout) as RecordJson;
  const file = JSON.parse(readFileSync(out, 'utf8')) as { name: string; metric: string; configs: Array<{ curves: unknown[] }> };
  expect(result).toEqual({
    out,
    name: file.name,
    metric: 'val_acc',
    mode: 'max',
    configs: file.configs.length,
    curves: file.configs.reduce((n, c) => n + c.curves.length, 0),
    seeds: [2, 3],
    skipped: [],
    wallSeconds: expect.any(Number) as unknown,
  });
  expect(result.configs).toBe(knownTable().configs.length);
  expect(result.curves).toBe(2 * result.configs);
});
