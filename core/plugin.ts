import type { Callback, CallbackContext } from './callback.ts';
import type { Executor, ExecutorContext } from './executor.ts';
import type { Sampler, SamplerContext, Scheduler, SchedulerContext } from './sampler.ts';
import type { Strategy, StrategyContext } from './strategy.ts';
import type { Trainer } from './trainer.ts';

export type PluginKind = 'strategy' | 'trainer' | 'callback' | 'executor' | 'sampler' | 'scheduler';
export const PLUGIN_KINDS: readonly PluginKind[] = ['strategy', 'trainer', 'callback', 'executor', 'sampler', 'scheduler'];

/** A JSON Schema for a plugin's options (the config object without its `type`). */
export type OptionsSchema = Record<string, unknown> & { type: 'object'; properties: Record<string, unknown> };

/** What a plugin's checks and factory are given besides its options. */
export interface PluginEnvironment {
  /** Folder that relative paths in the config are resolved against (the config file's folder). */
  baseDir: string;
  seed: number;
}

export type TrainerContext = PluginEnvironment;

interface BaseDefinition<TOptions> {
  name: string;
  description: string;
  /** The options' JSON Schema, with `default`s; ajv fills them in and rejects unknown keys. */
  schema: OptionsSchema;
  /**
   * Checks that need more than the schema (a referenced file exists and parses). `batchtune
   * validate` runs it; so does every run, before any training. Throw `configError` with the path.
   */
  check?(options: TOptions, env: PluginEnvironment, path: string): void | Promise<void>;
  /**
   * The files these options make the plugin read (data, models, scripts), relative to `env.baseDir` or
   * absolute. A journal records their content hashes, and `--resume` refuses to continue on changed files.
   */
  dataFiles?(options: TOptions, env: PluginEnvironment): string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options are the config's JSON, checked by the plugin's own schema
export interface StrategyDefinition<TOptions = any> extends BaseDefinition<TOptions> {
  kind: 'strategy';
  create(options: TOptions, context: StrategyContext): Strategy;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options are the config's JSON, checked by the plugin's own schema
export interface TrainerDefinition<TOptions = any> extends BaseDefinition<TOptions> {
  kind: 'trainer';
  create(options: TOptions, context: TrainerContext): Trainer;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options are the config's JSON, checked by the plugin's own schema
export interface CallbackDefinition<TOptions = any> extends BaseDefinition<TOptions> {
  kind: 'callback';
  create(options: TOptions, context: CallbackContext): Callback;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options are the config's JSON, checked by the plugin's own schema
export interface ExecutorDefinition<TOptions = any> extends BaseDefinition<TOptions> {
  kind: 'executor';
  create(options: TOptions, context: ExecutorContext): Executor | Promise<Executor>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options are the config's JSON, checked by the plugin's own schema
export interface SamplerDefinition<TOptions = any> extends BaseDefinition<TOptions> {
  kind: 'sampler';
  create(options: TOptions, context: SamplerContext): Sampler;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options are the config's JSON, checked by the plugin's own schema
export interface SchedulerDefinition<TOptions = any> extends BaseDefinition<TOptions> {
  kind: 'scheduler';
  create(options: TOptions, context: SchedulerContext): Scheduler;
}

export type PluginDefinition =
  StrategyDefinition | TrainerDefinition | CallbackDefinition | ExecutorDefinition | SamplerDefinition | SchedulerDefinition;

export type DefinitionOf<K extends PluginKind> = Extract<PluginDefinition, { kind: K }>;

/** Declares a search strategy: a name, an options schema and a factory. */
export function defineStrategy<TOptions>(definition: Omit<StrategyDefinition<TOptions>, 'kind'>): StrategyDefinition<TOptions> {
  return { kind: 'strategy', ...definition };
}

/** Declares a sampler: which configuration to try next, from the results so far. */
export function defineSampler<TOptions>(definition: Omit<SamplerDefinition<TOptions>, 'kind'>): SamplerDefinition<TOptions> {
  return { kind: 'sampler', ...definition };
}

/** Declares a scheduler: how much resource each trial gets (start, continue, stop), drawing configurations from a sampler. */
export function defineScheduler<TOptions>(definition: Omit<SchedulerDefinition<TOptions>, 'kind'>): SchedulerDefinition<TOptions> {
  return { kind: 'scheduler', ...definition };
}

/** Declares a trainer plugin. */
export function defineTrainer<TOptions>(definition: Omit<TrainerDefinition<TOptions>, 'kind'>): TrainerDefinition<TOptions> {
  return { kind: 'trainer', ...definition };
}

/** Declares an executor: where trials train (in this process, a pool of workers, a job queue). */
export function defineExecutor<TOptions>(definition: Omit<ExecutorDefinition<TOptions>, 'kind'>): ExecutorDefinition<TOptions> {
  return { kind: 'executor', ...definition };
}

/** Declares a callback plugin (early stopping and the like). */
export function defineCallback<TOptions>(definition: Omit<CallbackDefinition<TOptions>, 'kind'>): CallbackDefinition<TOptions> {
  return { kind: 'callback', ...definition };
}

export function isPluginDefinition(value: unknown): value is PluginDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return PLUGIN_KINDS.includes(v.kind as PluginKind) && typeof v.name === 'string' && typeof v.create === 'function';
}
