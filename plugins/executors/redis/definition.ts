import { configError, defineExecutor, errorMessage } from '../../../core/index.ts';
import { withOptionalPackages } from '../../../core/optional-package.ts';
import { redisExecutorSchema, type RedisExecutorOptions } from './options.ts';
import { keys } from './protocol.ts';

/** Optional dependencies of batchtune, loaded only by this executor and `batchtune worker`. */
export const REDIS_PACKAGES = ['bullmq', 'ioredis'];

/**
 * Trials train in `batchtune worker` processes on any machine, through a BullMQ queue on Redis. BullMQ
 * and ioredis load only when a study uses this executor, so every other command starts without them.
 */
export const redisExecutor = defineExecutor<RedisExecutorOptions>({
  name: 'redis',
  description: 'Spreads segments over `batchtune worker` processes on any number of machines through BullMQ on Redis.',
  schema: redisExecutorSchema,
  /**
   * A server that does not answer, or a study id in use, is a config error before anything is journaled,
   * not a failed trial per segment.
   */
  async check(options, _env, path) {
    const { ping } = await withOptionalPackages(`${path}: the redis executor`, REDIS_PACKAGES, () => import('./connection.ts'));
    const alive = options.study === undefined ? undefined : keys.alive(options.prefix, options.study);
    const inUse = await ping(options.url, alive).catch((error: unknown) => {
      throw configError(`${path}.url`, `cannot reach Redis: ${errorMessage(error)}`, options.url);
    });
    if (inUse) throw configError(`${path}.study`, 'is in use by a search process running on this Redis server', options.study);
  },
  async create(options, context) {
    const { RedisExecutor } = await withOptionalPackages('the redis executor', REDIS_PACKAGES, () => import('./executor.ts'));
    return new RedisExecutor(options, context);
  },
});
