import {
  BatchtuneError,
  prepareStudyTrainer,
  createRegistry,
  createRng,
  SearchSpace,
  resolveStudyConfig,
  type Params,
  type PluginRef,
  type ResolvedConfig,
  type Trainer,
  type TrainerDescription,
} from '../../index.ts';
import { readConfigFile } from '../config-file.ts';

/** A study config's trainer, prepared, and its space: what `profile` and `noise-scale` train with. */
export interface PreparedTrainer {
  config: ResolvedConfig;
  name: string;
  trainer: Trainer;
  description: TrainerDescription;
  space: SearchSpace;
  /** The params a run at this batch size uses: the space's first configuration with it, else the rule's rate. */
  paramsFor: (batchSize: number) => Params;
}

/**
 * Validates a config file (every plugin check a run does), then creates and prepares its trainer.
 * `trainerOptions` are merged into the trainer's options before validation (a command's flags).
 */
export async function prepareTrainer(
  configPath: string,
  seed: number | undefined,
  trainerOptions: Record<string, unknown> = {},
  /** The message when the config's trainer has no such option (the command needs a capability it lacks). */
  unsupported?: (trainer: string, option: string) => string,
): Promise<PreparedTrainer> {
  const { config: raw, baseDir } = readConfigFile(configPath);
  const registry = createRegistry();
  const type = (raw as { trainer?: { type?: unknown } } | null)?.trainer?.type;
  if (typeof type === 'string' && registry.has('trainer', type)) {
    const known = Object.keys(registry.get('trainer', type, 'trainer.type').schema.properties);
    const missing = Object.keys(trainerOptions).find((key) => !known.includes(key));
    if (missing)
      throw new BatchtuneError('USAGE', unsupported?.(type, missing) ?? `trainer "${type}" has no option ${JSON.stringify(missing)}`);
  }
  let withOptions = raw;
  if (Object.keys(trainerOptions).length && typeof raw === 'object' && raw !== null) {
    // One level deep: a flag that sets noiseScale.every keeps the config's noiseScale.microBatches.
    const trainer: Record<string, unknown> = { ...((raw as { trainer?: PluginRef }).trainer ?? {}) };
    for (const [key, value] of Object.entries(trainerOptions)) {
      const before = trainer[key];
      const mergeable = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
      trainer[key] = mergeable(before) && mergeable(value) ? { ...(before as object), ...(value as object) } : value;
    }
    withOptions = { ...raw, trainer };
  }
  // Validated as a run would (schema, options, file checks); the strategy is not built: it is not used here.
  const config = await resolveStudyConfig(withOptions, { registry, baseDir, ...(seed !== undefined ? { seed } : {}) });
  const { trainer: prepared, description, space } = await prepareStudyTrainer(config, registry, baseDir);
  // Lazily: a huge space is never built whole.
  const firstPoint = space.finite ? space.points().next() : undefined;
  const first = firstPoint && !firstPoint.done ? firstPoint.value : space.sample(createRng(config.seed, 'params'));
  return {
    config,
    name: prepared.name,
    trainer: prepared.instance,
    description,
    space,
    paramsFor: (batchSize) => {
      const point = space.finite ? space.firstWith(batchSize) : undefined;
      if (point) return { ...point };
      return { ...first, batchSize, learningRate: space.learningRatesFor(batchSize)[0] ?? first.learningRate };
    },
  };
}
