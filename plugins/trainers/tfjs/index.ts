/**
 * The TensorFlow.js trainer (`type: "tfjs"`): trains a real network on the fastest backend present,
 * with a custom loop so the batch size and learning rate can change between segments and the
 * examples count is exact.
 */
import { defineTrainer } from '../../../core/plugin.ts';
import { assertInstalled, withOptionalPackages } from '../../../core/optional-package.ts';
import { lazyTrainer } from '../../../core/trainer.ts';
import { checkOptions, namedFiles } from './check.ts';
import { optionsSchema, type TfjsOptions } from './options.ts';

export const tfjsTrainer = defineTrainer<TfjsOptions>({
  name: 'tfjs',
  description:
    'Trains a TensorFlow.js model (linear, MLP, small CNN or your own) on MNIST, IDX, CSV or module data, on tfjs-node-gpu, tfjs-node, wasm or cpu',
  schema: optionsSchema,
  check: (options, env, path) => {
    assertInstalled(`${path}: the tfjs trainer`, requiredPackages(options));
    checkOptions(options, env, path);
  },
  dataFiles: (options) => namedFiles(options).map(([, file]) => file),
  // TensorFlow.js loads on first use, so a study that never trains with it does not pay for it.
  create: (options, context) =>
    lazyTrainer(() =>
      withOptionalPackages('the tfjs trainer', ['@tensorflow/tfjs'], async () => {
        return new (await import('./trainer.ts')).TfjsTrainer(options, context);
      }),
    ),
});

/**
 * The optional dependencies these options cannot train without. The wasm backend is required only when
 * named: "auto" falls back to the next backend, and says why.
 */
function requiredPackages(options: TfjsOptions): string[] {
  return [
    '@tensorflow/tfjs',
    ...(options.backend === 'wasm' ? ['@tensorflow/tfjs-backend-wasm'] : []),
    ...(options.data.type === 'mnist' ? ['mnist'] : []),
  ];
}

export type { TfjsOptions } from './options.ts';
