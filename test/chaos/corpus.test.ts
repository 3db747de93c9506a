/**
 * The bad-input corpus (test/chaos/corpus.ts): every case exits 2 with its exact one-line message,
 * through the in-process CLI (`main`), and a sample through a real process. Each case is tallied
 * for the chaos table (test/chaos/tally.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../bin/cli.ts';
import { tempDir } from '../helpers/tabular.ts';
import { corpus, writeCase, type CorpusCase } from './corpus.ts';
import { tally } from './tally.ts';
import { defined } from '../helpers/defined.ts';

const root = resolve(import.meta.dirname, '../..');
const dir = tempDir('batchtune-corpus-');
const cases = corpus();
let caseCount = 0;

function caseDir(): string {
  const path = join(dir, `case-${caseCount++}`);
  mkdirSync(path);
  return path;
}

/** Runs `main()` with stdout and stderr captured; returns the exit code and what stderr got. */
async function inProcess(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const cwdBefore = process.cwd();
  let stderr = '';
  process.stdout.write = () => true;
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  };
  process.chdir(cwd);
  try {
    return { code: await main(args), stderr };
  } finally {
    process.chdir(cwdBefore);
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

/** The last `batchtune: ` line, without the prefix; the one line a user reads. */
function lastLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').filter((l) => l.startsWith('batchtune: '));
  return lines.at(-1)?.slice('batchtune: '.length);
}

function expectedLine(c: CorpusCase, at: string): string {
  return c.expected.replaceAll('{dir}', at);
}

test('the corpus holds at least 100 cases, each with its expected message', () => {
  expect(cases.length).toBeGreaterThanOrEqual(100);
  for (const c of cases) expect(c.expected).not.toBe('');
  expect(new Set(cases.map((c) => `${c.area}: ${c.name}`)).size).toBe(cases.length);
});

describe.each([...new Set(cases.map((c) => c.area))])('%s', (area) => {
  test.each(cases.filter((c) => c.area === area).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const at = caseDir();
    const args = writeCase(c, at);
    const { code, stderr } = await inProcess(args, at);
    const passed = code === 2 && lastLine(stderr) === expectedLine(c, at) && !stderr.includes('\n    at ');
    tally(`bad input: ${area}`, passed);
    expect({ code, line: lastLine(stderr) }).toEqual({ code: 2, line: expectedLine(c, at) });
    expect(stderr).not.toContain('\n    at ');
  });
});

describe('through a real process', () => {
  const sample = ['csv data', 'idx data', 'space', 'tabular file', 'usage'].map((area) =>
    defined(
      cases.find((c) => c.area === area && c.args[0] !== 'run'),
      'run',
    ),
  );
  test.each(sample.map((c) => [`${c.area}: ${c.name}`, c] as const))('%s', (_name, c) => {
    const at = caseDir();
    const args = writeCase(c, at);
    const result = spawnSync(process.execPath, [join(root, 'bin/batchtune.js'), ...args], {
      cwd: at,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    const passed = result.status === 2 && result.stderr.endsWith(`batchtune: ${expectedLine(c, at)}\n`);
    tally(`bad input: ${c.area}`, passed);
    expect(result.status).toBe(2);
    expect(result.stderr.endsWith(`batchtune: ${expectedLine(c, at)}\n`)).toBe(true);
  });
});
