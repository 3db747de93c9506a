/**
 * A complete custom trainer, loaded through `"plugins": ["./mlp-trainer.ts"]` in a config (or
 * registered with `createRegistry().register(mlpTrainer)` from the API). It trains a small MLP in
 * plain TypeScript on IDX images (Fashion-MNIST by default) and follows the whole trainer contract:
 * options schema, checks before training, prepare/describe, a session per trial that reports at step
 * boundaries and ends where `endsBefore` says, checkpoints, dispose, and `InfeasibleError`.
 */
import { defineTrainer, type TrainerSession } from 'batchtune';
import { checkFiles, loadSplit, type DataOptions, type Split } from './idx-data.ts';
import { MlpSession } from './session.ts';

export interface MlpTrainerOptions extends DataOptions {
  hidden: number;
  momentum: number;
  evalEvery: number;
  maxEpochs?: number;
  memoryMiB?: number;
}

export const mlpTrainer = defineTrainer<MlpTrainerOptions>({
  name: 'plain-mlp',
  description: 'An MLP (or, with hidden: 0, logistic regression) in plain TypeScript on IDX images.',
  // Ajv fills in the defaults and rejects unknown keys: `trainer.hiden` fails with a did-you-mean, exit 2.
  schema: {
    type: 'object',
    required: ['images', 'labels'],
    properties: {
      images: { type: 'string', minLength: 1, description: 'IDX images (raw or .gz), relative to the config' },
      labels: { type: 'string', minLength: 1, description: 'IDX labels of the same images' },
      train: { type: 'integer', minimum: 1, default: 2000 },
      validation: { type: 'integer', minimum: 1, default: 500 },
      hidden: { type: 'integer', minimum: 0, default: 32, description: 'hidden units; 0: logistic regression' },
      momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9 },
      evalEvery: { type: 'integer', minimum: 1, default: 2048, description: 'examples between evaluations' },
      maxEpochs: { type: 'number', exclusiveMinimum: 0, description: 'the most a trial trains, in passes over the training split' },
      memoryMiB: { type: 'number', exclusiveMinimum: 0, description: 'the memory one step may use; larger batches are infeasible' },
    },
  },
  // Run by `batchtune validate` and before every run: bad input is found before anything trains.
  check(options, env, path) {
    checkFiles(options, env.baseDir, path);
  },
  // Hashed into the journal: `--resume` refuses to continue on changed data.
  dataFiles: (options) => [options.images, options.labels],
  create(options, env) {
    let data: Split | undefined;
    const sessionOptions = () => {
      if (!data) throw new Error('plain-mlp: open() before prepare()');
      return {
        data,
        hidden: options.hidden,
        momentum: options.momentum,
        evalEvery: options.evalEvery,
        ...(options.maxEpochs !== undefined ? { maxExamples: Math.floor(options.maxEpochs * data.train.rows) } : {}),
        ...(options.memoryMiB !== undefined ? { memoryMiB: options.memoryMiB } : {}),
      };
    };
    return {
      // Once per process that trains (the search process, or each pool worker): load what trials share.
      prepare() {
        data = loadSplit(options, env.baseDir, env.seed);
        const maxExamples = options.maxEpochs === undefined ? undefined : Math.floor(options.maxEpochs * data.train.rows);
        return Promise.resolve({
          objective: { metric: 'val_acc', mode: 'max' as const },
          ...(maxExamples !== undefined ? { maxResource: { examples: maxExamples } } : {}),
          info: { model: options.hidden > 0 ? `mlp ${data.train.features}-${options.hidden}-${data.classes}` : 'logistic regression' },
        });
      },
      // Once per trial: a fresh model from the trial's seed. Its params are the trial's starting point;
      // every train() request carries the batch size and learning rate to use from there.
      open(trial): Promise<TrainerSession> {
        return Promise.resolve(new MlpSession(sessionOptions(), trial.seed));
      },
      // The other half of `session.checkpoint()`: the pool executor moves a trial between workers with it.
      restore(trial, checkpoint): Promise<TrainerSession> {
        const session = new MlpSession(sessionOptions(), trial.seed);
        session.restore(checkpoint);
        return Promise.resolve(session);
      },
      close() {
        data = undefined;
      },
    };
  },
});
