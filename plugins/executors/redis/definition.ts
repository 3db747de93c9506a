import { configError, defineExecutor, errorMessage } from '../../../core/index.ts';
import { redisExecutorSchema, type RedisExecutorOptions } from './options.ts';

/**
 * Trials train in `batchtune worker` processes on any machine, through a BullMQ queue on Redis. BullMQ
 * and ioredis load only when a study uses this executor, so every other command starts without them.
 */
export const redisExecutor = defineExecutor<RedisExecutorOptions>({
  name: 'redis',
  description: 'Spreads segments over `batchtune worker` processes on any number of machines through BullMQ on Redis.',
  schema: redisExecutorSchema,
  /** A server that does not answer is a config error before anything is journaled, not a failed trial per segment. */
  async check(options, _env, path) {
    const { ping } = await import('./connection.ts');
    await ping(options.url).catch((error) => {
      throw configError(`${path}.url`, `cannot reach Redis: ${errorMessage(error)}`, options.url);
    });
  },
  async create(options, context) {
    const { RedisExecutor } = await import('./executor.ts');
    return new RedisExecutor(options, context);
  },
});
