/**
 * The process trainer's options: their JSON Schema (ajv fills the defaults and rejects unknown keys)
 * and the TypeScript shape the validated object has.
 */
import type { OptionsSchema } from '../../../core/plugin.ts';

export interface ProcessOptions {
  /** The program and its arguments, one process per trial (no shell). */
  command: string[];
  /** Working folder of the script, relative to the config's folder (default: the config's folder). */
  cwd?: string;
  /** Variables added to (or, without `inheritEnv`, instead of) batchtune's environment. */
  env: Record<string, string>;
  inheritEnv: boolean;
  /** The longest a script may stay silent during a segment; every message renews it (a heartbeat). */
  timeoutSeconds: number;
  /** The longest a script may take to start (imports, data loading) and answer `hello` and `open`. */
  startTimeoutSeconds: number;
  /** After `close`, and again after SIGTERM, how long to wait before the next, harder, signal. */
  closeGraceSeconds: number;
  /** Ask the script, once before any trial, for its objective, maximum resource and space. */
  describe: boolean;
  /** Folder for each trial's stderr log and working files, relative to the config's folder. */
  logDir?: string;
  /** Ask the script for gradient measurements and estimate the noise scale B_simple from them. */
  noiseScale?: ProcessNoiseScaleOptions;
}

/** The same options as the tfjs trainer's noiseScale, so `batchtune noise-scale` works with either. */
export interface ProcessNoiseScaleOptions {
  every: number;
  microBatches: number;
  beta: number;
}

const seconds = (fallback: number, description: string) => ({ type: 'number', exclusiveMinimum: 0, default: fallback, description });

export const optionsSchema: OptionsSchema = {
  type: 'object',
  required: ['command'],
  properties: {
    command: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1 },
      description: 'The program and its arguments, e.g. ["python3", "train.py"]; run without a shell, once per trial.',
    },
    cwd: {
      type: 'string',
      minLength: 1,
      description: "The script's working folder, relative to the config's folder (default: the config's folder).",
    },
    env: {
      type: 'object',
      additionalProperties: { type: 'string' },
      default: {},
      description: 'Environment variables for the script (e.g. {"CUDA_VISIBLE_DEVICES": "0"}).',
    },
    inheritEnv: {
      type: 'boolean',
      default: true,
      description: "Start from batchtune's own environment (false: only `env` and batchtune's variables).",
    },
    timeoutSeconds: seconds(
      300,
      'The longest a script may go without sending a message during a segment; each report, heartbeat or gradients message renews it. Past it the process group is killed and the trial fails.',
    ),
    startTimeoutSeconds: seconds(
      120,
      'The longest a script may take to say hello and get ready for a trial (imports, data loading, building the model).',
    ),
    closeGraceSeconds: {
      type: 'number',
      minimum: 0,
      default: 5,
      description: 'Seconds between `close` and SIGTERM, and between SIGTERM and SIGKILL, when a trial ends.',
    },
    describe: {
      type: 'boolean',
      default: true,
      description:
        'Before any trial, start the script once and ask it to describe itself (objective, maxResource, space); false: take them from the config only.',
    },
    logDir: {
      type: 'string',
      minLength: 1,
      description:
        "Folder for each trial's stderr log and files (trial-<id>/), relative to the config's folder; default: a new folder under the OS temp folder.",
    },
    noiseScale: {
      type: 'object',
      additionalProperties: false,
      description:
        'Measure the gradient noise scale B_simple: the script is asked (every `every` steps) to send the squared norms of `microBatches` micro-batch gradients and of their mean; reports then carry noise_scale, grad_sq_norm, trace_sigma.',
      properties: {
        every: { type: 'integer', minimum: 1, default: 10, description: 'Steps between measurements.' },
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
