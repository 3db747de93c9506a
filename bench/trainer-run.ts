/**
 * What bench/trainer-throughput times, shared with its threaded worker process
 * (bench/trainer-throughput-worker.ts): the model, the data and one timed trainer session.
 */
import type { TfjsOptions } from '../plugins/trainers/tfjs/options.ts';
import type { TfjsTrainer } from '../plugins/trainers/tfjs/trainer.ts';

export const LEARNING_RATE = 0.01;
export const TRAIN = 8000;

/** The benchmark's trainer options; `wasmThreads` is process-wide, so each count runs in its own process. */
export function benchOptions(wasmThreads: number): TfjsOptions {
  return {
    backend: (process.env.BENCH_BACKEND as TfjsOptions['backend'] | undefined) ?? 'auto',
    wasmThreads,
    task: 'classification',
    model: { type: 'mlp', hidden: [256, 256], activation: 'relu', dropout: 0 },
    optimizer: { type: 'momentum', momentum: 0.9, nesterov: false },
    data: { type: 'mnist', train: TRAIN, validation: 1000 },
    evalEvery: 1e12,
  };
}

/** The batchtune session: examples over the wall time of train() less the one evaluation at its end. */
export async function trainerRun(trainer: TfjsTrainer, batchSize: number, examples: number): Promise<number> {
  const session = await trainer.open({ trialId: 0, params: { batchSize, learningRate: LEARNING_RATE }, seed: 1 });
  let evalSeconds = 0;
  const start = performance.now();
  const result = await session.train({ limits: { examples }, batchSize, learningRate: LEARNING_RATE }, (report) => {
    evalSeconds += report.metrics.eval_seconds ?? 0;
    return 'continue';
  });
  const seconds = (performance.now() - start) / 1000 - evalSeconds;
  session.dispose();
  return result.progress.examples / seconds;
}
