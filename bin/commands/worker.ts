import { BatchtuneError, createRegistry } from '../../index.ts';
import { withOptionalPackages } from '../../core/optional-package.ts';
import { REDIS_PACKAGES } from '../../plugins/executors/redis/definition.ts';
import { DEFAULT_PREFIX } from '../../plugins/executors/redis/protocol.ts';
import { parseCommand, parseCount } from '../args.ts';

export const usage = 'batchtune worker --redis <url> [--concurrency <n>] [--prefix <p>]';

/** Exit codes after a signal, as a shell reports them (128 + the signal's number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Trains the segments of every study announced on a Redis server (studies whose config says
 * `executor: { "type": "redis" }`), until SIGINT or SIGTERM. A segment in flight then goes back to its
 * queue, where another worker picks it up.
 */
export async function worker(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { redis: { type: 'string' }, concurrency: { type: 'string' }, prefix: { type: 'string' } },
    usage,
  );
  if (positionals.length > 0) throw new BatchtuneError('USAGE', `unexpected argument ${JSON.stringify(positionals[0])}\nusage: ${usage}`);
  const url = values.redis;
  if (!url) throw new BatchtuneError('USAGE', `missing --redis <url>\nusage: ${usage}`);
  if (!/^rediss?:\/\//.test(url))
    throw new BatchtuneError('USAGE', `--redis: must be a redis:// or rediss:// URL (got ${JSON.stringify(url)})`);
  const prefix = values.prefix ?? DEFAULT_PREFIX;
  if (!/^[A-Za-z0-9_.:-]+$/.test(prefix))
    throw new BatchtuneError('USAGE', `--prefix: letters, digits and _ . : - only (got ${JSON.stringify(prefix)})`);
  const concurrency = parseCount('concurrency', values.concurrency) ?? 1;

  const log = (line: string) => process.stderr.write(`batchtune worker: ${line}\n`);
  const signal = new Promise<string>((resolve) => {
    const onSignal = (name: string) => {
      // A second signal finds no handler and ends the process at once (its segment is then recovered as stalled).
      for (const other of Object.keys(SIGNAL_EXIT)) process.removeAllListeners(other);
      resolve(name);
    };
    for (const name of Object.keys(SIGNAL_EXIT))
      process.once(name, () => {
        onSignal(name);
      });
  });
  // BullMQ and ioredis load here, not when the CLI starts.
  const { RedisWorkerProcess } = await withOptionalPackages(
    'batchtune worker',
    REDIS_PACKAGES,
    () => import('../../plugins/executors/redis/worker.ts'),
  );
  const workerProcess = new RedisWorkerProcess({ url, prefix, concurrency, createRegistry, log });
  await workerProcess.start();
  log(`${workerProcess.id} listening on ${url} (prefix ${prefix}, ${concurrency} segment${concurrency === 1 ? '' : 's'} at once)`);
  const received = await signal;
  log(`${received}: leaving; segments in flight go back to the queue`);
  await workerProcess.stop();
  log('stopped');
  return SIGNAL_EXIT[received];
}
