import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, endsBefore, type Progress, type TrainRequest } from '../../../../core/index.ts';
import { PYTHON_HELPER_DIR } from '../../../../plugins/trainers/process/trainer.ts';
import { python, root, tempDir, toy } from './helpers.ts';
import { at } from '../../../../core/indexed.ts';

interface Case {
  start: Progress;
  current: Progress;
  next: Progress;
  request: Pick<TrainRequest, 'limits' | 'target'>;
}

/** Random segments around the edges the rule cares about: ties, caps, first steps, overshoots. */
function cases(count: number): Case[] {
  const random = createRng(7, 'ends-before');
  const rng = () => random.next();
  const pick = <T>(items: T[]) => at(items, Math.floor(rng() * items.length));
  const out: Case[] = [];
  for (let i = 0; i < count; i++) {
    const batch = pick([1, 8, 64, 100, 1024]);
    const startExamples = batch * Math.floor(rng() * 5);
    const current = { examples: startExamples + batch * Math.floor(rng() * 6), steps: 0, seconds: Math.round(rng() * 100) / 10 };
    current.steps = current.examples / batch;
    const start = {
      examples: startExamples,
      steps: startExamples / batch,
      seconds: Math.min(current.seconds, Math.round(rng() * 50) / 10),
    };
    const next = { examples: current.examples + batch, steps: current.steps + 1, seconds: current.seconds };
    const unit = pick(['examples', 'steps', 'seconds'] as const);
    const around = current[unit] + pick([-1, 0, 0.5, 1, 1.5, 2]) * (unit === 'examples' ? batch : 1);
    const limits: TrainRequest['limits'] = {};
    if (rng() < 0.5) limits.examples = current.examples + pick([-batch, 0, batch - 1, batch, 10 * batch]);
    if (rng() < 0.3) limits.steps = current.steps + pick([0, 1, 2]);
    if (rng() < 0.3) limits.seconds = current.seconds + pick([-1, 0, 1]);
    out.push({ start, current, next, request: { limits, ...(rng() < 0.85 ? { target: { unit, value: around } } : {}) } });
  }
  return out;
}

describe('the Python helper (batchtune_trainer.py)', () => {
  test('ends_before gives the same answer as core endsBefore on 2000 random segments', () => {
    const all = cases(2000);
    const file = join(tempDir(), 'cases.json');
    writeFileSync(file, JSON.stringify(all));
    const program = [
      'import json, sys, batchtune_trainer as bt',
      'cases = json.load(open(sys.argv[1]))',
      "print(json.dumps([bt.ends_before(c['start'], c['current'], c['next'], c['request'].get('limits'), c['request'].get('target')) for c in cases]))",
    ].join('\n');
    const run = spawnSync(python, ['-c', program, file], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: PYTHON_HELPER_DIR } });
    expect(run.stderr).toBe('');
    const fromPython = JSON.parse(run.stdout) as boolean[];
    const fromCore = all.map((c) => Boolean(endsBefore(c.start, c.current, c.next, c.request)));
    expect(fromCore.filter(Boolean).length).toBeGreaterThan(200);
    expect(fromCore.filter((x) => !x).length).toBeGreaterThan(200);
    expect(fromPython).toEqual(fromCore);
  });

  test('noise scale through the process: `batchtune noise-scale` estimates B_simple from the gradient norms the script sends', () => {
    const dir = tempDir();
    const config = join(dir, 'noise.json');
    writeFileSync(
      config,
      JSON.stringify({
        space: { batchSize: [64], learningRate: 0.1 },
        budget: { limit: 4096 },
        trainer: { type: 'process', command: [python, toy], logDir: join(dir, 'logs'), noiseScale: { every: 2, microBatches: 4 } },
      }),
    );
    const run = spawnSync(
      process.execPath,
      [join(root, 'bin/batchtune.js'), 'noise-scale', config, '--examples', '2048', '--json', '--quiet'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { bSimple: number; gradSqNorm: number; traceSigma: number };
    // The toy's norms are built so that tr(Σ) = 64 and |G|² = 2 exactly: B_simple = 32, over 16 of 32 steps.
    expect(result).toMatchObject({ batchSize: 64, microBatch: 16, k: 4, every: 2, steps: 32, examples: 2048, measurements: 16 });
    expect(result.bSimple).toBeCloseTo(32, 9);
    expect(result.gradSqNorm).toBeCloseTo(2, 9);
    expect(result.traceSigma).toBeCloseTo(64, 9);
  });
});
