/**
 * The tfjs trainer's options: their JSON Schema (ajv fills the defaults and rejects unknown keys)
 * and the TypeScript shape the validated object has.
 */
import type { OptionsSchema } from '../../../core/plugin.ts';
import { MAX_WASM_THREADS, type WasmThreadsSetting } from './wasm-threads-plan.ts';

export type BackendRequest = 'auto' | BackendName;
export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'webgpu' | 'wasm' | 'cpu';
/** In the order `auto` tries them: fastest first. */
const BACKEND_NAMES: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];

export type Task = 'classification' | 'regression';

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'linear';

export type ModelOptions =
  | { type: 'linear' }
  | { type: 'mlp'; hidden: number[]; activation: Activation; dropout: number }
  | { type: 'cnn'; filters: number[]; activation: Activation; dropout: number }
  | { type: 'module'; path: string };

export type OptimizerOptions =
  | { type: 'sgd' }
  | { type: 'momentum'; momentum: number; nesterov: boolean }
  | { type: 'adam'; beta1: number; beta2: number; epsilon: number };

/** A split shared by every source: how many rows train and validate (the rest is unused). */
interface SplitOptions {
  train?: number;
  validation?: number;
}

export type DataOptions =
  | ({ type: 'mnist' } & SplitOptions & { test?: number })
  | ({ type: 'idx'; images: string; labels: string } & SplitOptions & { test?: { images: string; labels: string } })
  | ({ type: 'csv'; path: string; label: string } & SplitOptions & { test?: string })
  | ({ type: 'module'; path: string } & SplitOptions & { test?: string });

export interface TfjsOptions {
  backend: BackendRequest;
  /** Threads of the wasm backend (process-wide; see wasm-threads.ts). */
  wasmThreads?: WasmThreadsSetting;
  task: Task;
  model: ModelOptions;
  optimizer: OptimizerOptions;
  data: DataOptions;
  evalEvery: number;
  maxEpochs?: number;
  noiseScale?: NoiseScaleOptions;
}

/** Gradient noise scale measurement (McCandlish et al. 2018): see analysis/noise-scale.ts. */
export interface NoiseScaleOptions {
  /** Measure every this many steps. */
  every: number;
  /** k: the batch is split into k equal micro-batches, whose gradients are averaged for the update. */
  microBatches: number;
  /** EMA decay per measurement for |G|² and tr(Σ). */
  beta: number;
}

const ACTIVATIONS: Activation[] = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'];
const count = { type: 'integer', minimum: 1 };
const file = { type: 'string', minLength: 1, description: 'A path relative to the config file.' };

/** One variant of a tagged union: its keys (with defaults) and those it cannot do without. */
interface Variant {
  properties?: Record<string, unknown>;
  required?: string[];
}

/**
 * A `type`-tagged union. Every key any variant knows is declared at the top (so an unknown key
 * fails), and a per-variant `if/then` both rejects the keys of other variants and fills that
 * variant's defaults (ajv applies defaults inside `then`, never inside `oneOf`).
 */
function taggedUnion(variants: Record<string, Variant>, fallback: { type: string }): Record<string, unknown> {
  // Keys are only named here; each variant's `then` gives their types (which may differ, as `test` does).
  const properties: Record<string, unknown> = { type: { enum: Object.keys(variants) } };
  for (const variant of Object.values(variants)) {
    for (const key of Object.keys(variant.properties ?? {})) properties[key] = true;
  }
  return {
    type: 'object',
    required: ['type'],
    additionalProperties: false,
    properties,
    default: fallback,
    allOf: Object.entries(variants).map(([name, variant]) => ({
      if: { properties: { type: { const: name } }, required: ['type'] },
      then: {
        properties: { type: true, ...variant.properties },
        ...(variant.required ? { required: variant.required } : {}),
        additionalProperties: false,
      },
    })),
  };
}

const modelSchema = taggedUnion(
  {
    linear: {},
    mlp: {
      properties: {
        hidden: { type: 'array', items: count, default: [128] },
        activation: { enum: ACTIVATIONS, default: 'relu' },
        dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0 },
      },
    },
    cnn: {
      properties: {
        filters: { type: 'array', items: count, minItems: 1, default: [8, 16] },
        activation: { enum: ACTIVATIONS, default: 'relu' },
        dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0 },
      },
    },
    module: {
      properties: { path: { ...file, description: 'A module exporting createModel(params, tf, context) that returns a tf.LayersModel.' } },
      required: ['path'],
    },
  },
  { type: 'mlp' },
);

const optimizerSchema = taggedUnion(
  {
    sgd: {},
    momentum: {
      properties: {
        momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9 },
        nesterov: { type: 'boolean', default: false },
      },
    },
    adam: {
      properties: {
        beta1: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9 },
        beta2: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.999 },
        epsilon: { type: 'number', exclusiveMinimum: 0, default: 1e-7 },
      },
    },
  },
  { type: 'momentum' },
);

const split = {
  train: { ...count, description: 'Training examples, drawn by the search seed (default: all rows not validating).' },
  validation: { ...count, description: 'Validation examples, drawn by the search seed (default: 20% of the rows).' },
};

const dataSchema = taggedUnion(
  {
    mnist: {
      properties: {
        train: { ...count, default: 8000 },
        validation: { ...count, default: 2000 },
        test: { type: 'integer', minimum: 0 },
      },
    },
    idx: {
      properties: {
        images: file,
        labels: file,
        ...split,
        test: {
          type: 'object',
          required: ['images', 'labels'],
          additionalProperties: false,
          properties: { images: file, labels: file },
        },
      },
      required: ['images', 'labels'],
    },
    csv: { properties: { path: file, label: { type: 'string', minLength: 1 }, ...split, test: file }, required: ['path', 'label'] },
    module: {
      properties: {
        path: { ...file, description: 'A module exporting { x, y }, or a default or load function returning them.' },
        ...split,
        test: file,
      },
      required: ['path'],
    },
  },
  { type: 'mnist' },
);

export const optionsSchema: OptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    backend: {
      enum: ['auto', ...BACKEND_NAMES],
      default: 'auto',
      description:
        'auto: the fastest that loads (tfjs-node-gpu, tfjs-node, webgpu on a hardware adapter, wasm, cpu); or name one. webgpu needs the optional packages webgpu and @tensorflow/tfjs-backend-webgpu.',
    },
    wasmThreads: {
      anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 1, maximum: MAX_WASM_THREADS }],
      default: 'auto',
      description:
        'Threads of the wasm backend: a count (1 = single-threaded), or auto. Process-wide: the first trainer to start wasm in a process sets it.',
    },
    task: {
      enum: ['classification', 'regression'],
      default: 'classification',
      description:
        'classification: softmax cross-entropy, objective val_acc (max); regression: mean squared error, objective val_loss (min).',
    },
    model: modelSchema,
    optimizer: optimizerSchema,
    data: dataSchema,
    evalEvery: {
      ...count,
      default: 10000,
      description: 'Examples between evaluations on the validation split (there is always one at the end of a segment).',
    },
    maxEpochs: {
      type: 'number',
      exclusiveMinimum: 0,
      description: 'The most a trial trains, in passes over the training split; sets maxResource.',
    },
    noiseScale: {
      type: 'object',
      additionalProperties: false,
      description:
        'Measure the gradient noise scale B_simple: every `every` steps the batch is split into `microBatches` equal parts whose gradients (same weights) are averaged for the update; reports noise_scale, grad_sq_norm, trace_sigma.',
      properties: {
        every: { ...count, default: 10, description: 'Steps between measurements.' },
        microBatches: {
          type: 'integer',
          minimum: 2,
          default: 4,
          description: 'k >= 2 micro-batches; the batch size must be a multiple of k.',
        },
        beta: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9, description: 'EMA decay per measurement (bias-corrected).' },
      },
    },
  },
};
