/**
 * Only the documented exit codes leave the CLI (README, "Exit codes"): 0, 1, 2 (130/143 for
 * signals are tested with the signal handling). Failing commands run as real processes, and none
 * may exit 13 (an unsettled promise), 134 (an abort) or print a stack trace. A closed stdout
 * (`| head -1`) ends quietly with 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { knownTable, tempDir, writeTabular } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/batchtune.js');
const dir = tempDir('batchtune-exit-');
writeTabular(dir, knownTable());
copyFileSync(join(root, 'test/fixtures/plugins/escape-hatches.mjs'), join(dir, 'escape-hatches.mjs'));

function config(name: string, body: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
}
const grid = config('grid.json', {
  seed: 2,
  budget: { limit: 1e6 },
  strategy: { type: 'grid' },
  trainer: { type: 'tabular', file: 'curves.json' },
});

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 60_000,
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI with its stdout closed by the reader before anything is written (what `| head -1` does, at the worst moment). */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      done({ code, stderr });
    });
  });
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
    expect(stderr).toContain('batchtune: internal error (unhandled rejection): stray rejection from a callback\n');
    expect(stderr).not.toMatch(STACK);
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
