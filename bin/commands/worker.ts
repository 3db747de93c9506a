import { BatchtuneError, createRegistry } from '../../index.ts';
import { withOptionalPackages } from '../../core/optional-package.ts';
import { REDIS_PACKAGES } from '../../plugins/executors/redis/definition.ts';
import { DEFAULT_PREFIX } from '../../plugins/executors/redis/protocol.ts';
import { parseCount } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';

const options = {
  redis: { type: 'string', value: '<url>', required: true, description: 'the Redis server: redis://host:port or rediss://' },
  concurrency: { type: 'string', value: '<n>', description: 'segments this worker trains at once (default 1)' },
  prefix: { type: 'string', value: '<p>', description: "the queues' key prefix; the same as the studies' executor.prefix" },
} as const satisfies OptionSpecs;

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'train segments for studies whose executor is redis, until SIGINT or SIGTERM',
  options,
  notes: [
    'A segment in flight when the worker stops goes back to its queue. Exit codes: 130 after SIGINT, 143 after SIGTERM, 2 bad input.',
  ],
  run: worker,
});

/** Exit codes after a signal, as a shell reports them (128 + the signal's number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm };

/**
 * Trains the segments of every study announced on a Redis server (studies whose config says
 * `executor: { "type": "redis" }`), until SIGINT or SIGTERM. A segment in flight then goes back to its
 * queue, where another worker picks it up.
 */
async function worker(values: OptionValues<typeof options>, positionals: string[]): Promise<number> {
  const { synopsis } = workerCommand;
  if (positionals.length > 0)
    throw new BatchtuneError('USAGE', `unexpected argument ${JSON.stringify(positionals[0])}\nusage: ${synopsis}`);
  const url = values.redis;
  if (!url) throw new BatchtuneError('USAGE', `missing --redis <url>\nusage: ${synopsis}`);
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
  return SIGNAL_EXIT[received] ?? EXIT.failed;
}
