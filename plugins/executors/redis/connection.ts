import { Redis } from 'ioredis';
import { errorMessage } from '../../../core/index.ts';

/**
 * A connection that batches the commands of one tick into one write (auto-pipelining). Commands fail
 * after a few retries, so a lost server surfaces as an error instead of a hang; a blocking connection
 * waits as long as it must. Connection errors go to `onError` (ioredis reconnects by itself).
 */
export function connect(url: string, options: { blocking?: boolean; onError?: (error: Error) => void } = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: options.blocking ? null : 5, enableAutoPipelining: !options.blocking });
  redis.on('error', options.onError ?? (() => {}));
  return redis;
}

/** What BullMQ builds its own connections from. */
export function bullConnection(url: string) {
  return { url, maxRetriesPerRequest: null, enableAutoPipelining: true };
}

/**
 * Resolves when a server answers at `url`, with whether `key` exists there (when given); else rejects
 * with the reason (refused, timed out, bad password), without retrying.
 */
export async function ping(url: string, key?: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 5000 });
  let reason: Error | undefined;
  redis.on('error', (error: Error) => (reason ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return key !== undefined && (await redis.exists(key)) === 1;
  } catch (error) {
    // Read `message` directly: an error made in another realm (a test's VM context) is no `instanceof Error` here.
    const cause = reason ?? error;
    throw new Error((cause as { message?: string }).message ?? errorMessage(cause));
  } finally {
    redis.disconnect();
  }
}
