/**
 * Only the documented exit codes leave the CLI (README, "Exit codes"): 0, 1, 2 (130/143 for
 * signals are tested with the signal handling). Failing commands run as real processes, and none
 * may exit 13 (an unsettled promise), 134 (an abort) or print a stack trace. A closed stdout
 * (`| head -1`) ends quietly with 0.
 */
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { finished, runBin, spawnBin } from '../helpers/cli.ts';
import { knownTable, tempDir, writeJson, writeTabular } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');
const dir = tempDir('batchtune-exit-');
writeTabular(dir, knownTable());
copyFileSync(join(root, 'test/fixtures/plugins/escape-hatches.mjs'), join(dir, 'escape-hatches.mjs'));

const config = (name: string, body: object): string => writeJson(dir, name, body);
const grid = config('grid.json', {
  seed: 2,
  budget: { limit: 1e6 },
  strategy: { type: 'grid' },
  trainer: { type: 'tabular', file: 'curves.json' },
});

function cli(args: string[]) {
  return runBin(args, { cwd: dir, timeout: 60_000 });
}

/** Runs the CLI with its stdout closed by the reader before anything is written (what `| head -1` does, at the worst moment). */
async function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawnBin(args, { cwd: dir });
  child.stdin.end();
  child.stdout.destroy();
  const { code, stderr } = await finished(child);
  return { code, stderr };
}

const STACK = /^\s+at .+\(|node:internal|Error: .*\n\s+at /m;

describe('exit codes', () => {
  test.each([
    ['no command', [], 2],
    ['an unknown command', ['fly'], 2],
    ['a missing config file', ['run', 'nope.json'], 2],
    ['an unknown option', ['run', grid, '--wat'], 2],
    ['validate with a seed that is not a number', ['validate', config('broken.json', { seed: 'x' }).replace('broken', 'broken')], 2],
    ['a journal that does not exist', ['show', 'missing.jsonl'], 2],
  ])('%s exits with its documented code, one line and no stack trace', (_name, args, expected) => {
    const { code, signal, stderr } = cli(args);
    expect(signal).toBeNull();
    expect(code).toBe(expected);
    expect(stderr).not.toMatch(STACK);
  });

  test('a strategy whose ask never settles exits 1 with a message, not 13', () => {
    const path = config('never.json', {
      seed: 1,
      plugins: ['./escape-hatches.mjs'],
      budget: { limit: 1e6 },
      strategy: { type: 'never-settles' },
      trainer: { type: 'tabular', file: 'curves.json' },
      timeouts: { hookSeconds: 1 },
    });
    const { code, stderr } = cli(['run', path, '--journal', join(dir, 'never.jsonl')]);
    expect(code).toBe(1);
    expect(stderr).toContain('batchtune: search ended early: never-settles failed in ask: no answer within 1 s\n');
    expect(stderr).not.toMatch(STACK);
  });

  test('a callback that leaves a rejection unhandled exits 1 with one line, not a stack trace', () => {
    const path = config('stray.json', {
      seed: 1,
      plugins: ['./escape-hatches.mjs'],
      budget: { limit: 1e6 },
      strategy: { type: 'grid' },
      trainer: { type: 'tabular', file: 'curves.json' },
      callbacks: [{ type: 'stray-rejection' }],
    });
    const { code, stderr } = cli(['run', path, '--journal', join(dir, 'stray.jsonl')]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'batchtune: internal error (unhandled rejection): stray rejection from a callback (rerun with --debug for the stack trace)\n',
    );
    expect(stderr).not.toMatch(STACK);
    // --debug shows where it came from.
    const debug = cli(['run', path, '--debug', '--journal', join(dir, 'stray-debug.jsonl')]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain('batchtune: internal error (unhandled rejection): Error: stray rejection from a callback\n');
    expect(debug.stderr).toContain('escape-hatches.mjs:');
  });

  test('EPIPE: run --json and show into a closed pipe end quietly with 0', async () => {
    const journal = join(dir, 'piped.jsonl');
    const run = await withClosedStdout(['run', grid, '--json', '--journal', journal]);
    expect(run.stderr).not.toMatch(STACK);
    expect(run.stderr).not.toContain('EPIPE');
    expect(run.code).toBe(0);
    const show = await withClosedStdout(['show', journal]);
    expect(show).toEqual({ code: 0, stderr: '' });
  });
});
