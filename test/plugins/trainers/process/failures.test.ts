import { MemoryStore, runStudy } from '../../../../index.ts';
import { alive, python, root, tempDir, toy, trialPids } from './helpers.ts';
import { at } from '../../../../core/indexed.ts';

/** A grid of three batch sizes in which trial 1 (batch 64) misbehaves in its first segment. */
async function searchWith(mode: string) {
  const logDir = tempDir();
  const summary = await runStudy(
    {
      seed: 1,
      budget: { limit: 3 * 2048 },
      space: { batchSize: [32, 64, 128], learningRate: 0.1 },
      strategy: { type: 'grid', maxResource: 2048 },
      trainer: {
        type: 'process',
        command: [python, toy, '--misbehave', mode, '--trial', '1'],
        logDir,
        timeoutSeconds: 1,
        closeGraceSeconds: 0.2,
      },
    },
    { journal: new MemoryStore(), baseDir: root },
  );
  return { summary, logDir };
}

const log = String.raw`\(log: /\S+/trial-1/stderr\.log\)$`;

describe('process trainer: a misbehaving script fails its trial with a one-line reason, and the search goes on', () => {
  test.each([
    [
      'crash',
      String.raw`^process failed in train: the script exited with code 1 while training segment 0; stderr: ".*RuntimeError: deliberate crash in segment 0" ${log}`,
    ],
    [
      'hang',
      String.raw`^process failed in train: the script sent nothing for 1 s while training segment 0 \(timeoutSeconds 1\); its process group \d+ was killed; stderr: ".*toy trial 1 starting.*" ${log}`,
    ],
    [
      'garbage',
      String.raw`^process failed in train: the script printed "Epoch 1/10 - loss: 0\.3412" on stdout, which is not a protocol message \(JSON\); print logs to stderr .*\(while training segment 0\); stderr: .* ${log}`,
    ],
    ['exit', String.raw`^process failed in train: the script exited with code 7 while training segment 0; stderr: ".*" ${log}`],
    [
      'nan',
      String.raw`^process failed in train: the script sent report\.progress\.examples = null: it must be a finite number \(while training segment 0\); stderr: .* ${log}`,
    ],
    [
      'noreport',
      String.raw`^process failed in train: the script ended segment 0 at 2048 examples but the last report was at 1536 examples; send a report after the last step of every segment; stderr: .* ${log}`,
    ],
    [
      'past-limit',
      String.raw`^process failed in train: the script's report at \d+ examples is past the segment's hard limit of \d+ examples .*; stderr: .* ${log}`,
    ],
  ])('%s', async (mode, reason) => {
    const { summary, logDir } = await searchWith(mode);
    expect(summary.trials.map((t) => [t.params.batchSize, t.state])).toEqual([
      [32, 'completed'],
      [64, 'failed'],
      [128, 'completed'],
    ]);
    const failed = at(summary.trials, 1);
    expect(failed.reason).toMatch(new RegExp(reason));
    expect(failed.reason).not.toContain('\n');
    expect(summary.best?.trialId).not.toBe(1);
    // The failed trial's process is gone, like the others'.
    for (const pid of trialPids(logDir).values()) expect(alive(pid)).toBe(false);
  });

  test("out of memory marks the trial infeasible, with the script's message", async () => {
    const { summary } = await searchWith('oom');
    expect(summary.trials.map((t) => t.state)).toEqual(['completed', 'infeasible', 'completed']);
    expect(at(summary.trials, 1).reason).toBe(
      'batch size 64 is infeasible: the script says: CUDA out of memory. Tried to allocate 2.00 GiB',
    );
  });

  test('a script that dies on start fails the run in prepare (describe) or each trial in open, with its stderr', async () => {
    const broken = [python, '-c', 'import no_such_module_here'];
    const config = (describe: boolean) => ({
      objective: { metric: 'val_loss', mode: 'min' },
      budget: { limit: 1000 },
      space: { batchSize: [32, 64], learningRate: 0.1 },
      strategy: { type: 'grid', maxResource: 500 },
      trainer: { type: 'process', command: broken, describe, logDir: tempDir() },
    });
    await expect(runStudy(config(true), { journal: new MemoryStore(), baseDir: root })).rejects.toThrow(
      /^process failed in prepare: the script exited with code 1 while starting; stderr: ".*ModuleNotFoundError: No module named 'no_such_module_here'" \(log: \S+\/describe\/stderr\.log\)$/,
    );
    const summary = await runStudy(config(false), { journal: new MemoryStore(), baseDir: root });
    expect(summary.trials.map((t) => t.state)).toEqual(['failed', 'failed']);
    expect(at(summary.trials, 1).reason).toMatch(
      /^process failed in open: the script exited with code 1 while starting; stderr: ".*No module named 'no_such_module_here'"/,
    );
  });

  test('a command that cannot start fails the check before any trial, naming the field', async () => {
    await expect(
      runStudy(
        {
          budget: { limit: 1000 },
          space: { batchSize: [32], learningRate: 0.1 },
          trainer: { type: 'process', command: ['no-such-python3', 'train.py'] },
        },
        { journal: new MemoryStore(), baseDir: root },
      ),
    ).rejects.toThrow('trainer.command[0]: no executable program "no-such-python3" on the PATH (got "no-such-python3")');
  });
});
