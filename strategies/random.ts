import { defineStrategy } from '../core/index.ts';
import { composeStrategy } from './compose.ts';
import { fifoScheduler, type FifoOptions } from './fifo.ts';
import { randomSampler } from './samplers/random.ts';

type RandomOptions = FifoOptions;

/**
 * The `random` strategy: random configurations (random sampler), each trained to `maxResource`
 * (fifo scheduler). A finite space is drawn without replacement (a shuffled grid); a continuous one is sampled.
 */
export const randomStrategy = defineStrategy<RandomOptions>({
  name: 'random',
  description: 'Trains random configurations to maxResource until nTrials or the budget runs out.',
  schema: fifoScheduler.schema,
  create: (options, context) => composeStrategy(randomSampler, {}, fifoScheduler, options, context),
});
