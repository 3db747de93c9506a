import type { BudgetConfig } from './budget.ts';
import type { Objective } from './objective.ts';
import type { ResourceUnit } from './resource.ts';
import type { SpaceConfig } from './space.ts';

/**
 * How long a plugin may take. A training segment may run as long as it reports: each report renews its
 * deadline (a heartbeat). Strategy and callback hooks, and a trainer's open/dispose, get `hookSeconds`;
 * a trainer's `prepare` (loading data, a runtime) gets `prepareSeconds`.
 */
export interface Timeouts {
  segmentSeconds: number;
  hookSeconds: number;
  prepareSeconds: number;
}

/** A plugin reference in a config: its registered `type` and its options. */
export interface PluginRef {
  type: string;
  [option: string]: unknown;
}

/** A study as written in JSON (or passed to the API). */
export interface StudyConfig {
  name?: string;
  seed?: number;
  objective?: { metric: string; mode?: Objective['mode'] };
  budget: Partial<BudgetConfig> & { limit: number };
  /** The unit strategies compare trials in (fidelity); examples by default. */
  resource?: ResourceUnit;
  space?: SpaceConfig;
  strategy?: PluginRef;
  /** Which configurations to try (grid, random, tpe...); with `scheduler`, instead of `strategy`. */
  sampler?: PluginRef;
  /** How much resource each trial gets (fifo, asha, hyperband...); with `sampler`, instead of `strategy`. */
  scheduler?: PluginRef;
  trainer: PluginRef;
  callbacks?: PluginRef[];
  /** Where trials train: `inline` (this process), `pool` (worker processes), `redis` (a job queue). */
  executor?: PluginRef;
  /** Segments in flight at once; default: the executor's slots (1 inline, the workers of a pool). */
  concurrency?: number;
  /** Deadlines on plugin calls. */
  timeouts?: Partial<Timeouts>;
  /** Module paths of user plugins, relative to the config file. */
  plugins?: string[];
}

/** A config after validation: defaults filled in, every plugin's options checked. */
export interface ResolvedConfig {
  name?: string;
  seed: number;
  objective?: { metric: string; mode?: Objective['mode'] };
  budget: BudgetConfig;
  resource: ResourceUnit;
  space?: SpaceConfig;
  strategy: PluginRef;
  sampler?: PluginRef;
  scheduler?: PluginRef;
  trainer: PluginRef;
  callbacks: PluginRef[];
  executor: PluginRef;
  concurrency?: number;
  timeouts: Timeouts;
  plugins: string[];
}

const pluginRef = {
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string', description: 'The registered name of the plugin.' } },
} as const;

const paramSpec = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['choice'],
      properties: { choice: { type: 'array', minItems: 1, items: { type: ['number', 'string', 'boolean'] } } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['int'],
      properties: { int: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer' } }, step: { type: 'integer', minimum: 1 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['uniform'],
      properties: { uniform: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['loguniform'],
      properties: { loguniform: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number', exclusiveMinimum: 0 } } },
    },
  ],
} as const;

/** The schema of the config itself; each plugin's options are checked against the plugin's own schema. */
export const studySchema = {
  $id: 'https://batchtune.dev/schema/study.json',
  title: 'batchtune study',
  type: 'object',
  additionalProperties: false,
  required: ['budget', 'trainer'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string' },
    seed: { type: 'integer', minimum: 0, default: 0, description: 'Drives every random choice of the search.' },
    objective: {
      type: 'object',
      additionalProperties: false,
      required: ['metric'],
      properties: { metric: { type: 'string', minLength: 1 }, mode: { enum: ['min', 'max'] } },
    },
    budget: {
      type: 'object',
      additionalProperties: false,
      required: ['limit'],
      properties: {
        unit: { enum: ['examples', 'steps', 'seconds', 'trials'], default: 'examples' },
        limit: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    resource: { enum: ['examples', 'steps', 'seconds'], default: 'examples', description: 'The unit strategies compare trials in.' },
    space: {
      type: 'object',
      additionalProperties: false,
      properties: {
        batchSize: {
          anyOf: [
            { type: 'array', minItems: 1, items: { type: 'integer', minimum: 1 } },
            {
              type: 'object',
              additionalProperties: false,
              required: ['powersOfTwo'],
              properties: { powersOfTwo: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer', minimum: 1 } } },
            },
          ],
        },
        learningRate: {
          anyOf: [
            { type: 'number', exclusiveMinimum: 0 },
            { type: 'array', minItems: 1, items: { type: 'number', exclusiveMinimum: 0 } },
            {
              type: 'object',
              additionalProperties: false,
              required: ['base'],
              properties: {
                base: { type: 'number', exclusiveMinimum: 0 },
                baseBatchSize: { type: 'integer', minimum: 1 },
                scale: { enum: ['linear', 'sqrt', 'none'], default: 'none' },
                warmup: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['examples'],
                  properties: { examples: { type: 'integer', minimum: 0 } },
                },
              },
            },
          ],
        },
        params: { type: 'object', additionalProperties: paramSpec },
        configs: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['batchSize', 'learningRate'],
            properties: { batchSize: { type: 'integer', minimum: 1 }, learningRate: { type: 'number' } },
            additionalProperties: { type: ['number', 'string', 'boolean'] },
          },
        },
      },
    },
    strategy: {
      ...pluginRef,
      default: { type: 'grid' },
      description:
        'A preset sampler and scheduler (grid, random, asha...) or a custom strategy; leave it out when giving sampler/scheduler.',
    },
    sampler: {
      ...pluginRef,
      description: 'Which configuration to try next (grid, random, tpe, critical-batch); default random when a scheduler is given.',
    },
    scheduler: {
      ...pluginRef,
      description:
        'How much resource each trial gets (fifo, successive-halving, hyperband, asha, median-stopping, batch-increase); default fifo when a sampler is given.',
    },
    trainer: pluginRef,
    callbacks: { type: 'array', items: pluginRef, default: [] },
    executor: { ...pluginRef, default: { type: 'inline' } },
    concurrency: { type: 'integer', minimum: 1, description: "Segments in flight at once; default: the executor's slots." },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        segmentSeconds: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 600,
          description: 'A training segment that makes no report for this long fails its trial (each report renews it).',
        },
        hookSeconds: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 60,
          description: "Deadline of every strategy and callback hook, and of a trainer's open and dispose.",
        },
        prepareSeconds: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 600,
          description: "Deadline of a trainer's prepare (loading data and its runtime).",
        },
      },
    },
    plugins: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
  },
} as const;
