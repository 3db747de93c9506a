/**
 * examples/custom-trainer, run as a user runs it: a real study on Fashion-MNIST (Debian's
 * dataset-fashion-mnist, which .ci/run installs) through the API and through the CLI, and the trainer's
 * own hooks (checkpoint and restore, dispose, an infeasible batch size) called as the engine calls them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createRegistry,
  MemoryStore,
  runStudy,
  type JournalRecord,
  type Report,
  type SearchSummary,
  type TrainerSession,
  type TrainRequest,
} from '../../index.ts';
import { mlpTrainer, type MlpTrainerOptions } from '../../examples/custom-trainer/mlp-trainer.ts';
import { overfitCallback } from '../../examples/custom-trainer/overfit-callback.ts';
import { cli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');
const dir = join(root, 'examples/custom-trainer');
const study = JSON.parse(readFileSync(join(dir, 'study.json'), 'utf8')) as Record<string, unknown> & { trainer: MlpTrainerOptions };
const hasFashion = existsSync(study.trainer.images) && existsSync(study.trainer.labels);
if (!hasFashion) {
  console.warn(
    `SKIPPED: examples/custom-trainer: no ${study.trainer.images} (apt-get install -y dataset-fashion-mnist; .ci/run installs it)`,
  );
}
const maybe = hasFashion ? test : test.skip;

type SegmentEndRecord = Extract<JournalRecord, { t: 'segmentEnd' }>;
type ReportRecord = Extract<JournalRecord, { t: 'report' }>;

/** The step boundary `endsBefore` picks: the multiple of the batch size nearest the target (lower on a tie), past the start. */
function nearestBoundary(start: number, target: number, batchSize: number): number {
  const lower = start + Math.floor((target - start) / batchSize) * batchSize;
  const upper = lower + batchSize;
  return lower > start && target - lower <= upper - target ? lower : upper;
}

describe('examples/custom-trainer', () => {
  let api: { summary: SearchSummary; records: JournalRecord[] } | undefined;

  maybe('a successive-halving study through the API: step-boundary reports, real learning, a batch size chosen', async () => {
    // The CLI loads the plugins the config names; through the API, register them instead.
    const config = { ...study, plugins: [] };
    const store = new MemoryStore();
    const registry = createRegistry().register(mlpTrainer).register(overfitCallback);
    const summary = await runStudy(config, { baseDir: dir, journal: store, registry });
    const records = store.read() as JournalRecord[];
    api = { summary, records };
    expect(summary.error).toBeUndefined();

    // Batch 512 needs more than memoryMiB for one step: infeasible, and the search went on without it.
    const infeasible = summary.trials.filter((t) => t.state === 'infeasible');
    expect(infeasible.map((t) => t.params.batchSize)).toEqual([512]);
    expect(infeasible[0]?.reason).toMatch(/^batch size 512 is infeasible: one step needs 1\.7 MiB, more than trainer\.memoryMiB \(1\)$/);

    const batchOf = new Map(summary.trials.map((t) => [t.trialId, t.params.batchSize]));
    const reports = records.filter((r): r is ReportRecord => r.t === 'report');
    expect(reports.length).toBeGreaterThan(10);
    // Every report is at a step boundary: whole batches, never a partial one.
    for (const { trialId, report } of reports) {
      expect(report.progress.examples).toBe(report.progress.steps * (batchOf.get(trialId) ?? NaN));
    }
    // Every segment ended at the boundary nearest its target, and its last report is where it ended.
    const ends = records.filter((r): r is SegmentEndRecord => r.t === 'segmentEnd' && r.result !== undefined);
    expect(ends.length).toBeGreaterThan(5);
    for (const end of ends) {
      const batchSize = end.request.batchSize;
      const { target } = end.request;
      const start =
        end.seg === 0 ? 0 : (ends.find((e) => e.trialId === end.trialId && e.seg === end.seg - 1)?.result?.progress.examples ?? NaN);
      expect(end.result?.endedBy).toBe('target');
      expect(end.result?.progress.examples).toBe(nearestBoundary(start, target?.value ?? NaN, batchSize));
      const last = reports.filter((r) => r.trialId === end.trialId && r.seg === end.seg).at(-1);
      expect(last?.report.progress).toEqual(end.result?.progress);
    }

    // Training works: every trial that went to the top rung ends far better than it started, and above chance.
    const reportsOf = (trialId: number): Report[] => reports.filter((r) => r.trialId === trialId).map((r) => r.report);
    const completed = summary.trials.filter((t) => t.state === 'completed');
    expect(completed.length).toBeGreaterThan(0);
    for (const trial of completed) {
      const history = reportsOf(trial.trialId);
      const first = history.at(0);
      const last = history.at(-1);
      expect(last?.metrics.train_loss).toBeLessThan((first?.metrics.train_loss ?? 0) * 0.7);
      expect(last?.metrics.val_loss).toBeLessThan(first?.metrics.val_loss ?? 0);
      expect(last?.metrics.val_acc).toBeGreaterThan(first?.metrics.val_acc ?? 1);
      // Ten classes: chance is 0.1.
      expect(last?.metrics.val_acc).toBeGreaterThan(0.6);
    }
    // Warmup: a rate scaled above the rule's base ramps up from the base over the first 1,024 examples.
    const ramped = summary.trials.find((t) => t.params.batchSize === 64);
    const rates = reportsOf(ramped?.trialId ?? NaN).map((r) => r.learningRate);
    expect(rates[0]).toBeGreaterThan(0.05);
    expect(rates[0]).toBeLessThan(ramped?.params.learningRate ?? 0);
    expect(rates.at(-1)).toBe(ramped?.params.learningRate);

    // The search picked a batch size: the best val_acc among the trials that reached the top rung.
    const best = completed.reduce((a, b) => ((b.value ?? 0) > (a.value ?? 0) ? b : a));
    expect(summary.best?.trialId).toBe(best.trialId);
    expect([16, 32, 64, 128, 256]).toContain(summary.best?.params.batchSize);
  });

  maybe('the same study from the CLI, which loads the plugins from the config: the same trials (same seed)', async () => {
    const journal = join(tempDir('batchtune-custom-trainer-'), 'study.jsonl');
    const run = await cli(['run', 'examples/custom-trainer/study.json', '--json', '--quiet', '--journal', journal]);
    expect(run.err).not.toMatch(/warning|failed/);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as SearchSummary;
    expect(summary.trainer).toBe('plain-mlp');
    if (!api) throw new Error('the API test must run first');
    const shape = (s: SearchSummary) => s.trials.map((t) => [t.params, t.state, t.resource, t.value]);
    expect(shape(summary)).toEqual(shape(api.summary));
    expect(summary.best?.trialId).toBe(api.summary.best?.trialId);
  });

  maybe('checkpoint and restore continue a trial exactly; dispose frees it; a batch that cannot fit is InfeasibleError', async () => {
    const options: MlpTrainerOptions = { ...study.trainer, train: 600, validation: 200, hidden: 16, evalEvery: 300 };
    const trainer = mlpTrainer.create(options, { baseDir: dir, seed: 1 });
    const described = await trainer.prepare();
    expect(described.objective).toEqual({ metric: 'val_acc', mode: 'max' });
    const trial = { trialId: 0, params: { batchSize: 20, learningRate: 0.05 }, seed: 42 };
    const request = (examples: number): TrainRequest => ({
      limits: { examples: 10000 },
      target: { unit: 'examples', value: examples },
      batchSize: 20,
      learningRate: 0.05,
    });
    const collect = async (session: TrainerSession, examples: number) => {
      const seen: Report[] = [];
      const result = await session.train(request(examples), (report) => (seen.push(report), 'continue'));
      return { seen, result };
    };

    const original = await trainer.open(trial);
    await collect(original, 400);
    const bytes = await original.checkpoint?.();
    if (!bytes || !trainer.restore) throw new Error('the example offers checkpoints');
    const moved = await trainer.restore(trial, bytes);
    const a = await collect(original, 900);
    const b = await collect(moved, 900);
    expect(b.result).toEqual({ ...a.result, progress: { ...a.result.progress, seconds: b.result.progress.seconds } });
    const metricsOf = (reports: Report[]) => reports.map((r) => [r.progress.examples, r.metrics.val_loss, r.metrics.val_acc]);
    expect(metricsOf(b.seen)).toEqual(metricsOf(a.seen));
    expect(a.seen.map((r) => r.progress.examples)).toEqual([600, 900]);

    await original.dispose();
    await expect(original.train(request(1000), () => 'continue')).rejects.toThrow('disposed');

    const small = mlpTrainer.create({ ...options, memoryMiB: 0.1 }, { baseDir: dir, seed: 1 });
    await small.prepare();
    const session = await small.open({ ...trial, params: { batchSize: 64, learningRate: 0.05 } });
    const attempt = session.train({ ...request(1000), batchSize: 64 }, () => 'continue');
    // The engine recognises it by its code (not instanceof: the plugin may load another copy of batchtune).
    await expect(attempt).rejects.toMatchObject({
      code: 'INFEASIBLE',
      batchSize: 64,
      message: 'batch size 64 is infeasible: one step needs 0.2 MiB, more than trainer.memoryMiB (0.1)',
    });
  });

  test('a missing data file is bad input before anything trains: one line naming the option, exit 2', async () => {
    const config = join(tempDir('batchtune-custom-trainer-bad-'), 'study.json');
    const plugins = ['mlp-trainer.ts', 'overfit-callback.ts'].map((file) => join(dir, file));
    writeFileSync(config, JSON.stringify({ ...study, trainer: { ...study.trainer, images: 'nowhere.idx.gz' }, plugins }));
    const run = await cli(['validate', config]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(
      /^batchtune: trainer\.images: file not found: \S+nowhere\.idx\.gz \(Fashion-MNIST: apt-get install dataset-fashion-mnist, or give your own IDX file\) \(got "nowhere\.idx\.gz"\)\n$/,
    );
  });
});
