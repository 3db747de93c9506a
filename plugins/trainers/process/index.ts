/**
 * The process trainer (`type: "process"`): trains with any program (a PyTorch script, JAX, NumPy,
 * another language) that speaks batchtune's JSON-lines protocol on stdin/stdout, one process per
 * trial, kept alive across segments. See protocol.ts and the README's "Process trainer" section.
 */
import { defineTrainer } from '../../../core/plugin.ts';
import { checkOptions, commandFiles } from './check.ts';
import { optionsSchema, type ProcessOptions } from './options.ts';
import { ProcessTrainer } from './trainer.ts';

export const processTrainer = defineTrainer<ProcessOptions>({
  name: 'process',
  description:
    'Trains with an external program (PyTorch, JAX, NumPy, any language) over a JSON-lines protocol on stdin/stdout, one process per trial',
  schema: optionsSchema,
  check: checkOptions,
  dataFiles: commandFiles,
  create: (options, context) => new ProcessTrainer(options, context),
});
