import { writeFileSync } from 'node:fs';
import { arch, cpus, platform, totalmem } from 'node:os';
import { basename } from 'node:path';
import { BatchtuneError, MemoryStore, paramsKey, SearchEvents, type Params, type StudyConfig, type TrialView } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import type { CurvePoint, TabularFile } from '../../plugins/trainers/tabular-file.ts';
import { formatNumber } from '../../report/format.ts';
import { parseCommand, parseCount, parseSeed, requirePositional } from '../args.ts';
import { readConfigFile } from '../config-file.ts';

export const usage = 'batchtune record <config.json> [--seeds <n>] [--out <file>] [--seed <n>] [--quiet]';

export interface RecordOptions {
  baseDir: string;
  /** How many seeds (curves per configuration); the study seeds are seed, seed + 1, ... */
  seeds: number;
  /** The first seed; the config's seed by default. */
  seed?: number;
  /** Written into meta.command. */
  command?: string;
  /** Called when a trial ends, for progress. */
  onTrial?: (info: { seed: number; seedIndex: number; trialId: number; params: Params; value: number | null; seconds: number }) => void;
}

/**
 * Trains the full grid of a config's space to the maximum resource (the config's
 * `strategy.maxResource` if it gives one, else the trainer's), once per seed, and returns the
 * learning curves in the tabular format: one curve per seed for each configuration. The study runs
 * through the engine with the grid strategy, no callbacks (the curves are recorded whole, diverged
 * points included, as null), concurrency 1 and an unbounded budget. Trials that failed or did not
 * fit in memory are listed in meta.skipped instead.
 */
export async function recordCurves(raw: StudyConfig, options: RecordOptions): Promise<TabularFile> {
  if (!(options.seeds >= 1)) throw new BatchtuneError('USAGE', `--seeds: must be a whole number >= 1 (got ${options.seeds})`);
  const maxResource = typeof raw.strategy?.maxResource === 'number' ? raw.strategy.maxResource : undefined;
  const resource = raw.resource ?? 'examples';
  const config: StudyConfig = {
    ...raw,
    strategy: { type: 'grid', ...(maxResource !== undefined ? { maxResource } : {}) },
    callbacks: [],
    concurrency: 1,
    budget: { unit: resource, limit: Number.MAX_SAFE_INTEGER },
  };
  const first = options.seed ?? raw.seed ?? 0;
  const byConfig = new Map<string, { params: Params; curves: CurvePoint[][] }>();
  const skipped: Array<{ seed: number; params: Params; state: string; reason?: string }> = [];
  let summaryInfo:
    { metric: string; mode: 'min' | 'max'; trainerInfo: Record<string, unknown>; trainer: string; resourceUnit: string } | undefined;
  const started = Date.now();

  for (let i = 0; i < options.seeds; i++) {
    const seed = first + i;
    const events = new SearchEvents();
    const curves = new Map<number, CurvePoint[]>();
    // Grid trials stay paused until the search ends, so a trial is done when the next one starts
    // (concurrency 1) or the search ends: report it then.
    let current: { trial: TrialView; started: number; last: number } | undefined;
    const done = () => {
      if (!current) return;
      const { trial } = current;
      options.onTrial?.({
        seed,
        seedIndex: i,
        trialId: trial.trialId,
        params: trial.params,
        value: trial.value ?? null,
        seconds: (current.last - current.started) / 1000,
      });
      current = undefined;
    };
    events.on('trialStart', ({ trial }) => {
      done();
      current = { trial, started: Date.now(), last: Date.now() };
    });
    events.on('report', ({ trial, report }) => {
      const curve = curves.get(trial.trialId) ?? [];
      curve.push({
        examples: report.progress.examples,
        steps: report.progress.steps,
        seconds: report.progress.seconds,
        metrics: { ...report.metrics },
      });
      curves.set(trial.trialId, curve);
      if (current?.trial === trial) current.last = Date.now();
    });
    events.on('searchEnd', done);
    const summary = await runStudy(config, { baseDir: options.baseDir, seed, journal: new MemoryStore(), events });
    if (summary.error) throw new BatchtuneError('PLUGIN_FAILED', `recording seed ${seed} ended early: ${summary.error}`);
    summaryInfo = {
      metric: summary.objective.metric,
      mode: summary.objective.mode,
      trainerInfo: summary.trainerInfo,
      trainer: summary.trainer,
      resourceUnit: summary.resourceUnit,
    };
    for (const trial of summary.trials) {
      const curve = curves.get(trial.trialId) ?? [];
      if (curve.length === 0 || (trial.state !== 'completed' && trial.state !== 'stopped')) {
        skipped.push({ seed, params: trial.params, state: trial.state, ...(trial.reason ? { reason: trial.reason } : {}) });
        continue;
      }
      const key = paramsKey(trial.params);
      const entry = byConfig.get(key) ?? { params: trial.params, curves: [] };
      entry.curves.push(curve);
      byConfig.set(key, entry);
    }
  }
  if (byConfig.size === 0) throw new BatchtuneError('PLUGIN_FAILED', 'no trial produced a curve; nothing to record');
  const cpu = cpus();
  return {
    name: raw.name ?? String(summaryInfo!.trainerInfo.name ?? summaryInfo!.trainer),
    metric: summaryInfo!.metric,
    mode: summaryInfo!.mode,
    configs: [...byConfig.values()],
    meta: {
      command: options.command ?? 'batchtune record',
      recordedAt: new Date().toISOString(),
      seeds: Array.from({ length: options.seeds }, (_, i) => first + i),
      resourceUnit: summaryInfo!.resourceUnit,
      trainer: summaryInfo!.trainer,
      backend: summaryInfo!.trainerInfo,
      machine: {
        platform: platform(),
        arch: arch(),
        cpus: cpu.length,
        cpu: cpu[0]?.model ?? 'unknown',
        memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
        node: process.version,
      },
      wallSeconds: +((Date.now() - started) / 1000).toFixed(1),
      config: raw,
      ...(skipped.length > 0 ? { skipped } : {}),
    },
  };
}

/** `batchtune record`: trains the grid with several seeds and writes the curves as a tabular file. */
export async function record(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { seeds: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean' } },
    usage,
  );
  const path = requirePositional(positionals, 'config.json', usage);
  const seeds = parseCount('seeds', values.seeds) ?? 3;
  const out = values.out ?? `${basename(path, '.json')}.curves.json`;
  const { config, baseDir } = readConfigFile(path);
  const table = await recordCurves(config as StudyConfig, {
    baseDir,
    seeds,
    seed: parseSeed(values.seed),
    command: ['batchtune', 'record', ...args].join(' '),
    onTrial: values.quiet
      ? undefined
      : (t) =>
          process.stderr.write(
            `seed ${t.seedIndex + 1}/${seeds} trial ${t.trialId}: batchSize=${t.params.batchSize} learningRate=${formatNumber(t.params.learningRate)} value=${t.value === null ? 'null' : formatNumber(t.value)} (${t.seconds.toFixed(1)} s)\n`,
          ),
  });
  writeFileSync(out, `${JSON.stringify(table)}\n`);
  const curves = table.configs.reduce((n, c) => n + c.curves.length, 0);
  process.stdout.write(`${out}: ${table.configs.length} configurations, ${curves} curves (${table.metric}, ${table.mode})\n`);
  return 0;
}
