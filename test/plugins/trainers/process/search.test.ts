import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore, runStudy, type SearchSummary } from '../../../../index.ts';
import { alive, journalView, python, root, tempDir, toy, trialPids, waitUntil } from './helpers.ts';
import { at } from '../../../../core/indexed.ts';

const bin = join(root, 'bin/batchtune.js');

function halvingConfig(logDir: string, toyArgs: string[] = []) {
  return {
    seed: 4,
    budget: { limit: 40000 },
    space: { batchSize: [32, 64, 128, 256], learningRate: [0.05, 0.1] },
    strategy: { type: 'successive-halving', minResource: 1024, maxResource: 4096, reductionFactor: 2 },
    trainer: { type: 'process', command: [python, toy, ...toyArgs], logDir, closeGraceSeconds: 0.5 },
  };
}

describe('process trainer: searches', () => {
  test('successive halving: a promoted trial continues in the same process, from where it stopped', async () => {
    const logDir = tempDir();
    const store = new MemoryStore();
    const summary = await runStudy(halvingConfig(logDir), { journal: store, baseDir: root });
    const view = journalView(store);
    const promoted = view.trials.filter((t) => t.reports.some((r) => r.progress.examples > 1100));
    expect(promoted.length).toBeGreaterThanOrEqual(2);
    for (const trial of view.trials) {
      // One process per trial, for its whole life: every report carries the same process id...
      const pids = new Set(trial.reports.map((r) => r.metrics.pid));
      expect(pids.size).toBe(1);
      expect([...pids][0]).toBe(trialPids(logDir).get(`trial-${trial.trialId}`));
      // ...and progress only grows: a promotion continues training, never restarts.
      const examples = trial.reports.map((r) => r.progress.examples);
      expect(examples).toEqual([...examples].sort((a, b) => a - b));
    }
    const distinct = new Set(view.trials.map((t) => at(t.reports, 0).metrics.pid));
    expect(distinct.size).toBe(view.trials.length);
    // The toy's loss is lowest at batch 64 with the larger rate; halving finds it.
    expect(summary.best?.params).toEqual({ batchSize: 64, learningRate: 0.1 });
    for (const pid of trialPids(logDir).values()) expect(alive(pid)).toBe(false);
  });

  test('SIGKILL of `batchtune run` leaves no script running, and --resume finishes the same search', async () => {
    const dir = tempDir();
    const logDir = join(dir, 'logs');
    const config = join(dir, 'study.json');
    // Slow steps, so the kill lands while trials are paused between rungs and one is training.
    writeFileSync(config, JSON.stringify(halvingConfig(logDir, ['--step-seconds', '0.002'])));
    const full = spawnSync(process.execPath, [bin, 'run', config, '--json', '--quiet', '--journal', join(dir, 'full.jsonl')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(full.stderr).toBe('');
    expect(full.status).toBe(0);

    const killedLogs = join(dir, 'killed-logs');
    writeFileSync(config, JSON.stringify(halvingConfig(killedLogs, ['--step-seconds', '0.002'])));
    const journal = join(dir, 'killed.jsonl');
    const child = spawn(process.execPath, [bin, 'run', config, '--json', '--quiet', '--journal', journal], { cwd: root, stdio: 'ignore' });
    const started = await waitUntil(
      () => trialPids(killedLogs).size >= 4 && existsSync(journal) && readFileSync(journal, 'utf8').includes('"segmentEnd"'),
      30000,
    );
    expect(started).toBe(true);
    const pids = [...trialPids(killedLogs).values()];
    expect(pids.filter(alive).length).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    await new Promise((done) => child.on('exit', done));
    // The helper sees its stdin close (or its parent change) and exits, even mid-step.
    expect(await waitUntil(() => pids.every((pid) => !alive(pid)), 5000)).toBe(true);
    const stray = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((line) => line.includes(killedLogs));
    expect(stray).toEqual([]);
    expect(readFileSync(journal, 'utf8')).not.toContain('"searchEnd"');

    const resumed = spawnSync(process.execPath, [bin, 'run', config, '--json', '--quiet', '--journal', journal, '--resume'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(resumed.status).toBe(0);
    // Seconds and process ids are measured, the rest is decided: the same trials, progress and values.
    const decided = (text: string) =>
      (JSON.parse(text) as SearchSummary).trials.map((t) => ({
        params: t.params,
        state: t.state,
        examples: t.progress.examples,
        steps: t.progress.steps,
        value: t.value,
      }));
    expect(decided(resumed.stdout)).toEqual(decided(full.stdout));
    expect((JSON.parse(resumed.stdout) as SearchSummary).best?.params).toEqual((JSON.parse(full.stdout) as SearchSummary).best?.params);
  });
});
