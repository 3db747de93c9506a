/** The linear-regression fixture on the tfjs trainer (cpu backend): the science tests' known-answer problem. */
import { validatePluginOptions } from '../../core/index.ts';
import type { Trainer } from '../../core/trainer.ts';
import { tfjsTrainer, type TfjsOptions } from '../../plugins/trainers/tfjs/index.ts';

export const fixtures = new URL('../fixtures/science/', import.meta.url).pathname;

/** tfjs trainer options for the fixture, with `train` and `validation` rows and any extra options. */
export function linearRegressionOptions(rows: { train: number; validation: number }, extra: Record<string, unknown> = {}) {
  return {
    type: 'tfjs',
    backend: 'cpu',
    task: 'regression',
    model: { type: 'linear' },
    optimizer: { type: 'sgd' },
    data: { type: 'module', path: 'linear-regression.mjs', ...rows },
    ...extra,
  };
}

/** The trainer for those options, validated (defaults filled) as the engine would. */
export function linearRegressionTrainer(rows: { train: number; validation: number }, extra: Record<string, unknown> = {}): Trainer {
  const options = validatePluginOptions(tfjsTrainer, linearRegressionOptions(rows, extra), 'trainer');
  return tfjsTrainer.create(options as unknown as TfjsOptions, { baseDir: fixtures, seed: 0 });
}
