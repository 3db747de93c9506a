import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryStore, type JournalRecord, type SearchSummary } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import { tempDir } from '../helpers/tabular.ts';
import { defined } from '../helpers/defined.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/batchtune.js');
const dir = tempDir('batchtune-custom-plugins-');

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('examples: plugins of the new kinds, loaded from a config', () => {
  test('the coarse-to-fine sampler runs under ASHA from the CLI, and a killed run resumes to the same search', () => {
    const config = 'examples/custom-sampler/study.json';
    const journal = join(dir, 'sampler.jsonl');
    const whole = cli(['run', config, '--json', '--journal', journal]);
    expect(whole.code).toBe(0);
    const summary = JSON.parse(whole.stdout) as SearchSummary;
    expect(summary.strategy).toBe('compose');
    // Batch sizes come coarse to fine on log2: the ends, the middle, then the rest.
    const firsts = [...new Set(summary.trials.map((t) => t.params.batchSize))];
    expect(firsts).toEqual([16, 512, 64, 32, 128, 256]);
    // Cut the journal halfway, as a kill would, and resume: the same trials, the same best.
    const lines = readFileSync(journal, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const cut = join(dir, 'sampler-cut.jsonl');
    writeFileSync(cut, `${lines.slice(0, Math.floor(lines.length / 2)).join('\n')}\n`);
    const resumed = cli(['run', config, '--json', '--journal', cut, '--resume']);
    expect(resumed.code).toBe(0);
    const again = JSON.parse(resumed.stdout) as SearchSummary;
    expect(again.trials.map((t) => [t.params, t.state, t.resource])).toEqual(summary.trials.map((t) => [t.params, t.state, t.resource]));
    expect(defined(again.best, 'the resumed best').trialId).toBe(defined(summary.best, 'the best').trialId);
  });

  test('the within-tolerance scheduler draws from TPE and stops only trials too far behind the best', async () => {
    const dirOf = join(root, 'examples/custom-scheduler');
    const journal = new MemoryStore();
    const config = JSON.parse(readFileSync(join(dirOf, 'study.json'), 'utf8')) as unknown;
    const summary = await runStudy(config, { baseDir: dirOf, journal });
    expect(summary.error).toBeUndefined();
    const records = journal.read() as JournalRecord[];
    const stops = records.flatMap((r) => (r.t === 'decision' && r.decision.kind === 'stop' ? [r.decision] : []));
    expect(stops.length).toBeGreaterThan(0);
    for (const stop of stops) expect(stop.reason).toMatch(/^more than 0\.01 behind the best \([\d.]+\) at \d+ examples$/);
    const completed = summary.trials.filter((t) => t.state === 'completed');
    expect(completed.length).toBeGreaterThan(0);
    for (const t of completed) expect(t.resource).toBe(40960);
    // One trial at a time: every decision after a start is about that trial until it ends.
    expect(summary.trials.every((t) => t.state === 'completed' || t.state === 'pruned')).toBe(true);
  });
});
