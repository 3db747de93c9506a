/**
 * Ctrl-C and SIGTERM stop a real `batchtune run` cleanly: exit 130 / 143, the trials so far and the resume
 * command on stderr, and a journal that `--resume` finishes with the same result as an uninterrupted run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/batchtune.js');
const dir = tempDir();
const config = join(dir, 'paced.json');
writeFileSync(
  config,
  JSON.stringify({
    seed: 2,
    budget: { limit: 1e6 },
    strategy: { type: 'grid', maxResource: 600 },
    trainer: { type: 'paced', msPerReport: 15 },
    plugins: [join(root, 'test/fixtures/executors/paced-trainer.mjs')],
  }),
);

function reports(journal: string): number {
  try {
    return readFileSync(journal, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"t":"report"')).length;
  } catch {
    return 0;
  }
}

function comparable(stdout: string) {
  return (JSON.parse(stdout) as { trials: Array<{ value: number; state: string; progress: unknown }> }).trials.map((t) => [
    t.value,
    t.state,
    t.progress,
  ]);
}

const whole = spawnSync(process.execPath, [bin, 'run', config, '--journal', join(dir, 'whole.jsonl'), '--json', '--quiet'], {
  encoding: 'utf8',
});

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)(
  '%s stops the search with exit %i, shows the trials so far and how to resume; --resume finishes it',
  async (signal, code) => {
    expect(whole.status).toBe(0);
    const journal = join(dir, `${signal}.jsonl`);
    const child = spawn(process.execPath, [bin, 'run', config, '--journal', journal], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    while (reports(journal) < 12) await new Promise((r) => setTimeout(r, 20));
    child.kill(signal);
    const exit = await new Promise<number | null>((r) =>
      child.once('exit', (c) => {
        r(c);
      }),
    );
    expect(exit).toBe(code);
    expect(stderr).toContain(`batchtune: interrupted by ${signal}; nothing recorded is lost`);
    expect(stderr).toContain(`resume with: batchtune run ${config} --journal ${journal} --resume`);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    const resumed = spawnSync(process.execPath, [bin, 'run', config, '--journal', journal, '--resume', '--json', '--quiet'], {
      encoding: 'utf8',
    });
    expect(resumed.status).toBe(0);
    expect(comparable(resumed.stdout)).toEqual(comparable(whole.stdout));
  },
  60000,
);
