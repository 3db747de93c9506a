import { PluginRegistry, type PluginDefinition } from '../core/index.ts';
import { gridStrategy } from '../strategies/grid.ts';
import { composeStrategyFor } from '../strategies/compose.ts';
import { fifoScheduler } from '../strategies/fifo.ts';
import { ashaScheduler } from '../strategies/asha.ts';
import { hyperbandScheduler } from '../strategies/hyperband.ts';
import { successiveHalvingScheduler } from '../strategies/successive-halving.ts';
import { gridSampler } from '../strategies/samplers/grid.ts';
import { randomSampler } from '../strategies/samplers/random.ts';
import { tpeSampler } from '../strategies/samplers/tpe/tpe.ts';
import { criticalBatchSampler } from '../strategies/samplers/critical-batch.ts';
import { medianStoppingScheduler } from '../strategies/median-stopping.ts';
import { randomStrategy } from '../strategies/random.ts';
import { successiveHalvingStrategy } from '../strategies/successive-halving.ts';
import { hyperbandStrategy } from '../strategies/hyperband.ts';
import { ashaStrategy } from '../strategies/asha.ts';
import { batchIncreaseScheduler, batchIncreaseStrategy } from '../strategies/batch-increase.ts';
import { tabularTrainer } from './trainers/tabular.ts';
import { tfjsTrainer } from './trainers/tfjs/index.ts';
import { processTrainer } from './trainers/process/index.ts';
import { divergence } from './callbacks/divergence.ts';
import { earlyStopping } from './callbacks/early-stopping.ts';
import { targetReached } from './callbacks/target-reached.ts';
import { timeLimit } from './callbacks/time-limit.ts';
import { inlineExecutor } from './executors/inline.ts';
import { poolExecutor } from './executors/pool/index.ts';
import { redisExecutor } from './executors/redis/definition.ts';

/** Every built-in plugin, in one place, so the core can be read without them. */
export const builtinPlugins: PluginDefinition[] = [
  gridStrategy,
  randomStrategy,
  successiveHalvingStrategy,
  hyperbandStrategy,
  ashaStrategy,
  batchIncreaseStrategy,
  gridSampler,
  randomSampler,
  tpeSampler,
  criticalBatchSampler,
  fifoScheduler,
  medianStoppingScheduler,
  batchIncreaseScheduler,
  successiveHalvingScheduler,
  hyperbandScheduler,
  ashaScheduler,
  tabularTrainer,
  tfjsTrainer,
  processTrainer,
  earlyStopping,
  targetReached,
  divergence,
  timeLimit,
  inlineExecutor,
  poolExecutor,
  redisExecutor,
];

/** A registry holding the built-in plugins; register your own on it. */
export function createRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const definition of builtinPlugins) registry.register(definition);
  // "sampler" + "scheduler" in a config resolve to this strategy, which finds them in this registry.
  registry.register(composeStrategyFor(registry));
  return registry;
}
