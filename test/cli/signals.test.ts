/**
 * Ctrl-C and SIGTERM stop a real `batchtune run` cleanly: exit 130 / 143, the trials so far and the resume
 * command on stderr, and a journal that `--resume` finishes with the same result as an uninterrupted run.
 * Ctrl-C is sent as a terminal sends it: SIGINT to the whole process group.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { finished, runBin, spawnBin } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tabular.ts';
import { reportsSoFar } from '../helpers/journal.ts';

const root = resolve(import.meta.dirname, '../..');
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

function comparable(stdout: string) {
  return (JSON.parse(stdout) as { trials: Array<{ value: number; state: string; progress: unknown }> }).trials.map((t) => [
    t.value,
    t.state,
    t.progress,
  ]);
}

const whole = runBin(['run', config, '--journal', join(dir, 'whole.jsonl'), '--json', '--quiet']);

test.each([
  ['SIGINT', 130, 'the process group (Ctrl-C)'],
  ['SIGTERM', 143, 'the process'],
] as const)(
  '%s stops the search with exit %i, shows the trials so far and how to resume; --resume finishes it (sent to %s)',
  async (signal, code, target) => {
    expect(whole.code).toBe(0);
    const journal = join(dir, `${signal}.jsonl`);
    const child = spawnBin(['run', config, '--journal', journal], { detached: target !== 'the process' });
    child.stdin.end();
    const done = finished(child);
    while (reportsSoFar(journal) < 12) await new Promise((r) => setTimeout(r, 20));
    const pid = child.pid ?? 0;
    process.kill(target === 'the process' ? pid : -pid, signal);
    const { code: exit, stderr } = await done;
    expect(exit).toBe(code);
    expect(stderr).toContain(`batchtune: interrupted by ${signal}; nothing recorded is lost`);
    expect(stderr).toContain(`resume with: batchtune run ${config} --journal ${journal} --resume`);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    const resumed = runBin(['run', config, '--journal', journal, '--resume', '--json', '--quiet']);
    expect(resumed.code).toBe(0);
    expect(comparable(resumed.stdout)).toEqual(comparable(whole.stdout));
  },
  60000,
);
