import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchtuneError, configError } from './errors.ts';
import { callPlugin } from './driver.ts';
import { Engine } from './engine.ts';
import { SearchEvents } from './events.ts';
import { configHash, type JournalRecord } from './journal.ts';
import { assertResumable, viewJournal } from './journal-state.ts';
import { assertJournalRecords } from './journal-schema.ts';
import { configDataFiles, hashDataFiles } from './data-files.ts';
import type { Executor } from './executor.ts';
import { modeFor, type Objective } from './objective.ts';
import type { PluginRegistry } from './registry.ts';
import { createRng } from './rng.ts';
import { SearchSpace } from './space.ts';
import { JsonlFileStore, MemoryStore, type Store } from './store.ts';
import type { SearchSummary } from './summary.ts';
import type { Trainer, TrainerDescription } from './trainer.ts';
import type { Strategy } from './strategy.ts';
import type { Callback } from './callback.ts';
import type { ResolvedConfig } from './config.ts';
import { resolveConfig } from './validate.ts';

export interface StudyOptions {
  /** The plugins a config can name. */
  registry: PluginRegistry;
  /** Folder relative paths in the config are resolved against; the current folder by default. */
  baseDir?: string | undefined;
  /** Overrides the config's seed. */
  seed?: number | undefined;
}

export interface RunOptions extends StudyOptions {
  /** A journal file path, or a store; an in-memory journal by default. */
  journal?: string | Store | undefined;
  /** Continue the journal instead of refusing a journal that already has records. */
  resume?: boolean | undefined;
  /** Subscribe to these before the search starts. */
  events?: SearchEvents | undefined;
  /** Abort to stop the search (Ctrl-C): it rejects with code INTERRUPTED, and the journal resumes it. */
  signal?: AbortSignal | undefined;
}

/** Validates a config (a `StudyConfig` or parsed JSON): the schema, each plugin's options and its own checks (files exist and parse). */
export async function resolveStudyConfig(raw: unknown, options: StudyOptions): Promise<ResolvedConfig> {
  const config = withSeed(raw, options.seed);
  return resolveConfig(config, options.registry, { baseDir: options.baseDir ?? process.cwd() });
}

/** Everything a run needs, built from a resolved config: the trainer (prepared), space, strategy, callbacks. */
export interface BuiltStudy {
  config: ResolvedConfig;
  objective: Objective;
  space: SearchSpace;
  trainer: { name: string; instance: Trainer; info: Record<string, unknown> };
  strategy: { name: string; instance: Strategy };
  callbacks: Array<{ name: string; instance: Callback }>;
  /** Where trials train; it starts workers only when the first segment runs. */
  executor: { name: string; instance: Executor };
  /** Segments in flight at once: the config's `concurrency`, else the executor's slots. */
  concurrency: number;
}

/** The study's trainer, as a search process or a worker builds it from the resolved config. */
export function createTrainer(
  config: Pick<ResolvedConfig, 'trainer' | 'seed'>,
  registry: PluginRegistry,
  baseDir: string,
): { name: string; instance: Trainer } {
  const definition = registry.get('trainer', config.trainer.type, 'trainer.type');
  return { name: definition.name, instance: definition.create(config.trainer, { baseDir, seed: config.seed }) };
}

/** The study's trainer, prepared, with what it declared and the space to search (the config's, else the trainer's). */
export async function prepareStudyTrainer(
  config: ResolvedConfig,
  registry: PluginRegistry,
  baseDir: string,
  use: {
    /** The trainer instance to prepare; a new one by default. */
    trainer?: { name: string; instance: Trainer };
    /** Where to prepare it: here by default; an executor whose workers train may prepare it there instead. */
    prepare?: () => Promise<TrainerDescription>;
  } = {},
): Promise<{ trainer: { name: string; instance: Trainer }; description: TrainerDescription; space: SearchSpace }> {
  const trainer = use.trainer ?? createTrainer(config, registry, baseDir);
  const description = await callPlugin(
    trainer.name,
    'prepare',
    use.prepare ?? (() => trainer.instance.prepare()),
    config.timeouts.prepareSeconds,
  );
  const spaceConfig = config.space ?? description.space;
  if (!spaceConfig) {
    await trainer.instance.close?.();
    throw configError('space', `is required: trainer "${trainer.name}" declares no search space`);
  }
  return { trainer, description, space: new SearchSpace(spaceConfig) };
}

export async function buildStudy(config: ResolvedConfig, options: StudyOptions & { checkpointDir?: string }): Promise<BuiltStudy> {
  const { registry } = options;
  const baseDir = options.baseDir ?? process.cwd();
  const local = createTrainer(config, registry, baseDir);
  const executorDef = registry.get('executor', config.executor.type, 'executor.type');
  const executor = await callPlugin(executorDef.name, 'create', () =>
    executorDef.create(config.executor, {
      trainer: config.trainer,
      plugins: config.plugins,
      baseDir,
      seed: config.seed,
      localTrainer: local,
      ...(options.checkpointDir ? { checkpointDir: options.checkpointDir } : {}),
    }),
  );
  let prepared: Awaited<ReturnType<typeof prepareStudyTrainer>>;
  try {
    prepared = await prepareStudyTrainer(config, registry, baseDir, {
      trainer: local,
      ...(executor.describe ? { prepare: executor.describe.bind(executor) } : {}),
    });
  } catch (error) {
    await executor.close();
    throw error;
  }
  const { description, space } = prepared;
  const trainer = local.instance;
  const trainerName = local.name;
  const concurrency = config.concurrency ?? executor.slots;

  const objective = resolveObjective(config, description, trainerName);

  const strategyDef = registry.get('strategy', config.strategy.type, 'strategy.type');
  const strategy = strategyDef.create(config.strategy, {
    space,
    objective,
    resourceUnit: config.resource,
    trainerMaxResource: description.maxResource?.[config.resource],
    budget: config.budget,
    concurrency,
    rng: createRng(config.seed, 'strategy'),
    seed: config.seed,
  });
  const callbacks = config.callbacks.map((ref, i) => {
    const definition = registry.get('callback', ref.type, `callbacks[${i}].type`);
    return { name: definition.name, instance: definition.create(ref, { objective }) };
  });
  return {
    config,
    objective,
    space,
    trainer: { name: trainerName, instance: trainer, info: description.info ?? {} },
    strategy: { name: strategyDef.name, instance: strategy },
    callbacks,
    executor: { name: executorDef.name, instance: executor },
    concurrency,
  };
}

/**
 * Validates a config and builds everything a run would (the trainer prepares its data, the
 * strategy checks its options against the budget), without training. Returns the resolved config.
 */
export async function validateStudy(raw: unknown, options: StudyOptions): Promise<ResolvedConfig> {
  const config = await resolveStudyConfig(raw, options);
  const built = await buildStudy(config, options);
  await built.executor.instance.close();
  return config;
}

/** Runs a study end to end and returns its summary. The journal records every step. */
export async function runStudy(raw: unknown, options: RunOptions): Promise<SearchSummary> {
  // The journal is locked before anything slow (config checks, hashing, the trainer's prepare): a second writer is refused at once.
  const { store, path } = openStore(options.journal, options.resume ?? false, options.events);
  let checkpointDir: string | undefined;
  try {
    const config = await resolveStudyConfig(raw, options);
    const baseDir = options.baseDir ?? process.cwd();
    // Where trials train, and how long plugins may take, are not part of what a study is: a pool run
    // resumes inline, or on more workers, and older journals resume under today's defaults.
    const study: Partial<ResolvedConfig> = { ...config };
    delete study.executor;
    delete study.timeouts;
    const hash = configHash({ ...study, concurrency: config.concurrency ?? 1 });
    // An in-memory journal is never resumed: its data needs no hashes.
    const data = path === '(memory)' ? undefined : await hashDataFiles(configDataFiles(config, options.registry, baseDir), baseDir);
    const journal = viewJournal(store.read() as JournalRecord[]);
    assertResumable(journal, hash, path, data);
    checkpointDir = path.startsWith('(') ? mkdtempSync(join(tmpdir(), 'batchtune-checkpoints-')) : `${path}.checkpoints`;
    const built = await buildStudy(config, { ...options, checkpointDir });
    const engine = new Engine({
      seed: config.seed,
      objective: built.objective,
      budget: config.budget,
      resourceUnit: config.resource,
      concurrency: built.concurrency,
      timeouts: config.timeouts,
      space: built.space,
      strategy: built.strategy,
      trainer: built.trainer,
      executor: built.executor,
      callbacks: built.callbacks,
      events: options.events ?? new SearchEvents(),
      store,
      journal,
      configHash: hash,
      config,
      data,
      journalPath: path,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return await engine.run();
  } finally {
    store.close();
    if (checkpointDir) rmSync(checkpointDir, { recursive: true, force: true });
  }
}

function withSeed(raw: unknown, seed: number | undefined): unknown {
  if (seed === undefined || typeof raw !== 'object' || raw === null) return raw;
  return { ...raw, seed };
}

/** The config's objective, else the trainer's; a mode left out follows the metric's name. */
function resolveObjective(config: ResolvedConfig, description: TrainerDescription, trainer: string): Objective {
  const declared = description.objective;
  if (!config.objective) {
    if (!declared) throw configError('objective', `is required: trainer "${trainer}" declares no objective`);
    return declared;
  }
  const { metric } = config.objective;
  return {
    metric,
    mode: declared ? modeFor(metric, declared, config.objective.mode) : modeFor(metric, { metric: '', mode: 'max' }, config.objective.mode),
  };
}

/**
 * The run's journal: a file is locked for this process (a second writer is refused) and every record
 * checked as it is read; a store of the user's has its records checked too.
 */
function openStore(journal: string | Store | undefined, resume: boolean, events: SearchEvents | undefined): { store: Store; path: string } {
  if (journal === undefined) return { store: new MemoryStore(), path: '(memory)' };
  if (typeof journal !== 'string') {
    if (!(journal instanceof JsonlFileStore)) assertJournalRecords(journal.read(), '(store)');
    return { store: journal, path: '(store)' };
  }
  // Resuming a journal that is not there would silently start a fresh study and redo its work.
  if (resume && !existsSync(journal)) {
    throw new BatchtuneError('USAGE', `${journal}: no such journal to resume; leave out --resume to start a new study`);
  }
  const warn = (message: string) => {
    if (events?.listenerCount('warning')) events.emit('warning', { code: 'JOURNAL_STALE_LOCK', message });
    else process.stderr.write(`batchtune: warning: ${message}\n`);
  };
  const store = new JsonlFileStore(journal, { lock: true, warn });
  if (!resume && store.read().length > 0) {
    store.close();
    throw new BatchtuneError('USAGE', `${journal}: journal already has records; pass --resume to continue it, or choose another --journal`);
  }
  return { store, path: journal };
}
