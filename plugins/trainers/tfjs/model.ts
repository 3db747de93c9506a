/**
 * The network a trial trains: a built-in (linear, mlp, cnn) with every kernel initialiser seeded
 * from the trial seed, or the user's own Keras-style model from a module's `createModel`.
 * Built-in models output logits; a user model may end in a softmax instead (see `OutputKind`).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BatchtuneError, errorMessage } from '../../../core/errors.ts';
import type { Params } from '../../../core/params.ts';
import { createRng, type Rng } from '../../../core/rng.ts';
import { importUserModule } from './data/module.ts';
import { SeededDropout } from './dropout.ts';
import type { ModelOptions, Task } from './options.ts';
import { at } from '../../../core/indexed.ts';

/** What the model's last layer gives: raw scores (logits, regression values) or class probabilities. */
export type OutputKind = 'logits' | 'probabilities';

export interface BuiltModel {
  model: tf.LayersModel;
  output: OutputKind;
  /** The shape a batch is reshaped to before the model sees it ([-1, ...]), when not flat. */
  inputShape?: number[];
}

/** What a user's `createModel(params, tf, context)` is told about the data. */
export interface ModelContext {
  /** Shape of one example as the data has it (e.g. [28, 28, 1] or [features]). */
  shape: number[];
  features: number;
  /** Units the last layer must have: the class count, or the number of regression targets. */
  outputs: number;
  task: Task;
  /** Seed for the model's initialisers, derived from the trial seed. */
  seed: number;
}

const MODEL_FIELD = 'trainer.model';

/** Trial params that override the model options when present. */
function dropoutOf(options: ModelOptions, params: Params): number {
  const fromParams = params.dropout;
  if (typeof fromParams === 'number') {
    if (!(fromParams >= 0 && fromParams < 1))
      throw new BatchtuneError('CONFIG_INVALID', `params.dropout: must be in [0, 1) (got ${fromParams})`);
    return fromParams;
  }
  return 'dropout' in options ? options.dropout : 0;
}

function seeded(rng: Rng) {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed: rng.int(2 ** 31 - 1) }),
    biasInitializer: 'zeros' as const,
  };
}

export async function buildModel(options: ModelOptions, params: Params, context: ModelContext, baseDir: string): Promise<BuiltModel> {
  const rng = createRng(context.seed, 'tfjs:init');
  const { features, outputs } = context;
  switch (options.type) {
    case 'linear': {
      const model = tf.sequential();
      model.add(tf.layers.dense({ units: outputs, inputShape: [features], ...seeded(rng) }));
      return { model, output: 'logits' };
    }
    case 'mlp': {
      const dropout = dropoutOf(options, params);
      const model = tf.sequential();
      options.hidden.forEach((units, i) => {
        model.add(
          tf.layers.dense({ units, activation: options.activation, ...(i === 0 ? { inputShape: [features] } : {}), ...seeded(rng) }),
        );
        if (dropout > 0) model.add(new SeededDropout({ rate: dropout, seed: rng.int(2 ** 31 - 1) }));
      });
      model.add(tf.layers.dense({ units: outputs, ...(options.hidden.length === 0 ? { inputShape: [features] } : {}), ...seeded(rng) }));
      return { model, output: 'logits' };
    }
    case 'cnn': {
      const image = imageShape(context.shape);
      const dropout = dropoutOf(options, params);
      const model = tf.sequential();
      model.add(tf.layers.reshape({ targetShape: image, inputShape: [features] }));
      for (const filters of options.filters) {
        model.add(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: options.activation, ...seeded(rng) }));
        model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      }
      model.add(tf.layers.flatten());
      if (dropout > 0) model.add(new SeededDropout({ rate: dropout, seed: rng.int(2 ** 31 - 1) }));
      model.add(tf.layers.dense({ units: outputs, ...seeded(rng) }));
      return { model, output: 'logits' };
    }
    case 'module':
      return userModel(options.path, path.resolve(baseDir, options.path), params, context);
  }
}

function imageShape(shape: number[]): number[] {
  if (shape.length === 3) return shape;
  if (shape.length === 2) return [...shape, 1];
  throw new BatchtuneError(
    'CONFIG_INVALID',
    `${MODEL_FIELD}.type: "cnn" needs image data (data.type "mnist", "idx", or a module giving x as a [n, height, width(, channels)] tensor); this data has examples of shape ${JSON.stringify(shape)}`,
  );
}

async function userModel(file: string, absolute: string, params: Params, context: ModelContext): Promise<BuiltModel> {
  const field = `${MODEL_FIELD}.path`;
  const mod = await importUserModule(absolute, field, file);
  const create = mod.createModel ?? (mod.default as Record<string, unknown> | undefined)?.createModel ?? mod.default;
  if (typeof create !== 'function') {
    throw new BatchtuneError('CONFIG_INVALID', `${field}: ${file} must export createModel(params, tf, context) returning a tf.LayersModel`);
  }
  let model: unknown;
  try {
    model = await (create as (params: Params, tfjs: typeof tf, context: ModelContext) => unknown)({ ...params }, tf, context);
  } catch (error) {
    throw new BatchtuneError('PLUGIN_FAILED', `${field}: createModel in ${file} threw: ${errorMessage(error)}`, { cause: error });
  }
  if (!(model instanceof tf.LayersModel)) {
    const looksLikeOne = typeof model === 'object' && model !== null && 'trainableWeights' in model;
    if (looksLikeOne) {
      throw new BatchtuneError(
        'CONFIG_INVALID',
        `${field}: createModel in ${file} built its model with another copy of @tensorflow/tfjs; build it with the \`tf\` argument it is given`,
      );
    }
    throw new BatchtuneError(
      'CONFIG_INVALID',
      `${field}: createModel in ${file} must return a tf.LayersModel (tf.sequential() or tf.model()); got ${typeof model}`,
    );
  }
  const expectIn = at(model.inputs, 0).shape.slice(1);
  const expectOut = at(model.outputs, 0).shape.slice(1);
  const fail = (problem: string) => {
    model.dispose();
    return new BatchtuneError('CONFIG_INVALID', `${field}: the model from ${file} ${problem}`);
  };
  if (expectIn.some((d) => d === null) || expectIn.reduce((a: number, b) => a * (b as number), 1) !== context.features) {
    throw fail(
      `takes inputs of shape ${JSON.stringify(expectIn)} but each example has ${context.features} values (shape ${JSON.stringify(context.shape)})`,
    );
  }
  if (expectOut.length !== 1 || expectOut[0] !== context.outputs) {
    throw fail(
      `outputs shape ${JSON.stringify(expectOut)} but the data needs [${context.outputs}] (${context.task === 'classification' ? 'classes' : 'targets'})`,
    );
  }
  const last = at(model.layers, model.layers.length - 1).getConfig();
  const output: OutputKind = last.activation === 'softmax' ? 'probabilities' : 'logits';
  return { model, output, ...(expectIn.length > 1 ? { inputShape: [-1, ...(expectIn as number[])] } : {}) };
}

/** Trainable parameters, for the summary. */
export function parameterCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
