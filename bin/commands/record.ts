import { writeFileSync } from 'node:fs';
import { arch, cpus, platform, totalmem } from 'node:os';
import { basename } from 'node:path';
import { BatchtuneError, MemoryStore, paramsKey, SearchEvents, type Params, type StudyConfig, type TrialView } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import type { CurvePoint, TabularFile } from '../../plugins/trainers/tabular-file.ts';
import { formatNumber } from '../../report/format.ts';
import { parseCount, parseSeed, requirePositional } from '../args.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';
import { readConfigFile } from '../config-file.ts';
import { distinctReasons } from '../trial-failures.ts';

const options = {
  seeds: { type: 'string', value: '<n>', description: 'curves per configuration: the study seeds seed, seed + 1, ... (default 3)' },
  out: { type: 'string', short: 'o', value: '<file>', description: 'the tabular file to write (default <config>.curves.json)' },
  seed: { type: 'string', value: '<n>', description: "the first seed (default: the config's seed)" },
  json: {
    type: 'boolean',
    short: 'j',
    description: 'print {"out", "name", "metric", "mode", "configs", "curves", "seeds", "skipped", "wallSeconds"} on stdout',
  },
  quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr' },
} as const satisfies OptionSpecs;

export const recordCommand = defineCommand({
  name: 'record',
  summary: 'train the full grid with several seeds and write the learning curves as a tabular file',
  operands: '<config.json>',
  options,
  notes: ['The file is what the tabular trainer replays: { "type": "tabular", "file": "<out>" }.'],
  run: record,
});

/** What `record --json` prints: where the curves went and what they hold. */
export interface RecordJson {
  out: string;
  name: string;
  metric: string;
  mode: 'min' | 'max';
  /** Configurations with at least one curve, and curves in all. */
  configs: number;
  curves: number;
  seeds: number[];
  /** Trials that produced no curve (failed, or did not fit in memory), with why. */
  skipped: Skipped[];
  wallSeconds: number;
}

/** A trial that produced no curve. */
interface Skipped {
  seed: number;
  params: Params;
  state: string;
  reason?: string;
}

/** A tabular file whose meta says how it was recorded. */
type RecordedCurves = TabularFile & { meta: { seeds: number[]; wallSeconds: number; skipped?: Skipped[] } & Record<string, unknown> };

interface TrialDone {
  seed: number;
  seedIndex: number;
  trialId: number;
  params: Params;
  value: number | null;
  seconds: number;
}

interface RecordOptions {
  baseDir: string;
  /** How many seeds (curves per configuration); the study seeds are seed, seed + 1, ... */
  seeds: number;
  /** The first seed; the config's seed by default. */
  seed?: number;
  /** Written into meta.command. */
  command?: string;
  /** Called when a trial ends, for progress. */
  onTrial?: (info: TrialDone) => void;
}

/**
 * Trains the full grid of a config's space to the maximum resource (the config's
 * `strategy.maxResource` if it gives one, else the trainer's), once per seed, and returns the
 * learning curves in the tabular format: one curve per seed for each configuration. The study runs
 * through the engine with the grid strategy, no callbacks (the curves are recorded whole, diverged
 * points included, as null), concurrency 1 and an unbounded budget. Trials that failed or did not
 * fit in memory are listed in meta.skipped instead.
 */
export async function recordCurves(raw: StudyConfig, options: RecordOptions): Promise<RecordedCurves> {
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
  const skipped: Skipped[] = [];
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
  if (byConfig.size === 0 || summaryInfo === undefined) {
    const ended = skipped.map((t) => ({ reason: t.reason ?? t.state, what: `seed ${t.seed} batch ${t.params.batchSize}` }));
    throw new BatchtuneError('PLUGIN_FAILED', `no trial produced a curve; nothing to record: ${distinctReasons(ended, 'run')}`);
  }
  const info = summaryInfo;
  const cpu = cpus();
  return {
    name: raw.name ?? (typeof info.trainerInfo.name === 'string' ? info.trainerInfo.name : info.trainer),
    metric: info.metric,
    mode: info.mode,
    configs: [...byConfig.values()],
    meta: {
      command: options.command ?? 'batchtune record',
      recordedAt: new Date().toISOString(),
      seeds: Array.from({ length: options.seeds }, (_, i) => first + i),
      resourceUnit: info.resourceUnit,
      trainer: info.trainer,
      backend: info.trainerInfo,
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
async function record(values: OptionValues<typeof options>, positionals: string[], args: readonly string[]): Promise<number> {
  const path = requirePositional(positionals, 'config.json', recordCommand.synopsis);
  const seeds = parseCount('seeds', values.seeds) ?? 3;
  const seed = parseSeed(values.seed);
  const out = values.out ?? `${basename(path, '.json')}.curves.json`;
  const { config, baseDir } = readConfigFile(path);
  const table = await recordCurves(config as StudyConfig, {
    baseDir,
    seeds,
    ...(seed !== undefined ? { seed } : {}),
    command: ['batchtune', 'record', ...args].join(' '),
    ...(values.quiet
      ? {}
      : {
          onTrial: (t: TrialDone) => {
            process.stderr.write(
              `seed ${t.seedIndex + 1}/${seeds} trial ${t.trialId}: batchSize=${t.params.batchSize} learningRate=${formatNumber(t.params.learningRate)} value=${t.value === null ? 'null' : formatNumber(t.value)} (${t.seconds.toFixed(1)} s)\n`,
            );
          },
        }),
  });
  writeFileSync(out, `${JSON.stringify(table)}\n`);
  const curves = table.configs.reduce((n, c) => n + c.curves.length, 0);
  if (values.json) {
    const { meta } = table;
    const result: RecordJson = {
      out,
      name: table.name,
      metric: table.metric,
      mode: table.mode,
      configs: table.configs.length,
      curves,
      seeds: meta.seeds,
      skipped: meta.skipped ?? [],
      wallSeconds: meta.wallSeconds,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${out}: ${table.configs.length} configurations, ${curves} curves (${table.metric}, ${table.mode})\n`);
  return 0;
}
