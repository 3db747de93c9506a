import { hostname } from 'node:os';
import { BatchtuneError, errorMessage, type PluginRegistry } from '../../../core/index.ts';
import { HostLoad } from './host-load.ts';
import { removeStudy } from './cleanup.ts';
import { connect, ping } from './connection.ts';
import { keys, type Broadcast, type StudyAnnouncement } from './protocol.ts';
import { StudyWorker, type WorkerEnvironment } from './study-worker.ts';
import { VerdictWaiter } from './verdicts.ts';

export interface RedisWorkerOptions {
  url: string;
  prefix: string;
  /** Segments this process trains at once, per study. */
  concurrency: number;
  createRegistry: () => PluginRegistry;
  log: (line: string) => void;
}

/** How often a worker checks that the studies it serves still have a search process. */
const SWEEP_MS = 5_000;

/**
 * A `batchtune worker` process: it listens for studies announced on the Redis server and trains their
 * segments. It keeps each study's trainer and sessions across segments, and frees them when the
 * search process says a trial or the study ended, or when the search process is gone.
 */
export class RedisWorkerProcess {
  readonly id = `${hostname()}/${process.pid}`;
  private readonly studies = new Map<string, StudyWorker>();
  private env?: WorkerEnvironment;
  private subscriber?: ReturnType<typeof connect>;
  private sweep?: NodeJS.Timeout;
  private stopping = false;

  constructor(private readonly options: RedisWorkerOptions) {}

  async start(): Promise<void> {
    const { url, prefix, concurrency, createRegistry, log } = this.options;
    await ping(url).catch((error: unknown) => {
      throw new BatchtuneError('USAGE', `--redis: cannot reach Redis at ${url}: ${errorMessage(error)}`);
    });
    const onError = throttled((error: Error) => {
      log(`Redis: ${error.message} (reconnecting)`);
    });
    const redis = connect(url, { onError });
    const host = hostname();
    this.env = {
      id: this.id,
      host,
      url,
      prefix,
      concurrency,
      redis,
      verdicts: new VerdictWaiter(() => connect(url, { blocking: true, onError })),
      load: new HostLoad(redis, prefix, host),
      createRegistry,
      broadcast: async (message) => {
        await redis.publish(keys.announce(prefix), JSON.stringify(message));
      },
      log,
    };
    // Subscribe before reading the studies already announced, so none is missed in between.
    this.subscriber = connect(url, { blocking: true, onError });
    this.subscriber.on(
      'message',
      (_channel, text) =>
        void this.onBroadcast(JSON.parse(text) as Broadcast).catch((error: unknown) => {
          log(errorMessage(error));
        }),
    );
    await this.subscriber.subscribe(keys.announce(prefix));
    for (const study of Object.keys(await redis.hgetall(keys.studies(prefix)))) await this.open(study);
    this.sweep = setInterval(
      () =>
        void this.dropGoneStudies().catch((error: unknown) => {
          log(errorMessage(error));
        }),
      SWEEP_MS,
    );
  }

  /** Leaves every study: segments in flight go back to their queues (another worker re-runs them), sessions are freed. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweep);
    this.subscriber?.disconnect();
    await Promise.allSettled([...this.studies.values()].map((study) => study.close('shutdown')));
    this.studies.clear();
    if (this.env) {
      this.env.load.close();
      this.env.verdicts.close();
      this.env.redis.disconnect();
    }
  }

  private async onBroadcast(message: Broadcast): Promise<void> {
    if (message.t === 'open') return this.open(message.study);
    const study = this.studies.get(message.study);
    if (!study) return;
    if (message.t === 'close') {
      this.studies.delete(message.study);
      await study.close('ended');
      this.options.log(`study ${message.study}: ended`);
    } else if (message.t === 'release') {
      await study.release(message.trialId);
    } else if (message.worker !== this.id) {
      await study.evict(message.trialId);
    }
  }

  /** Serves a study whose search process is alive; forgets an announcement whose search process died. */
  private async open(study: string): Promise<void> {
    const env = this.started();
    if (this.stopping || this.studies.has(study)) return;
    const text = await env.redis.hget(keys.studies(env.prefix), study);
    if (!text) return;
    if (!(await env.redis.exists(keys.alive(env.prefix, study)))) {
      await removeStudy(env.redis, env.url, env.prefix, study);
      return;
    }
    // stop() or another open() may have run during the awaits above.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- TypeScript keeps its narrowing of this.stopping across await
    if (this.stopping || this.studies.has(study)) return;
    this.studies.set(study, new StudyWorker(env, JSON.parse(text) as StudyAnnouncement));
    this.options.log(`study ${study}: serving`);
  }

  private started(): WorkerEnvironment {
    if (!this.env) throw new Error('the redis worker is not started');
    return this.env;
  }

  private async dropGoneStudies(): Promise<void> {
    const env = this.started();
    for (const [id, study] of this.studies) {
      if (await env.redis.exists(keys.alive(env.prefix, id))) continue;
      this.studies.delete(id);
      await study.close('gone');
      // The first worker to notice clears what the study left in Redis.
      if (await env.redis.hexists(keys.studies(env.prefix), id)) await removeStudy(env.redis, env.url, env.prefix, id);
      this.options.log(`study ${id}: its search process is gone; sessions freed`);
    }
  }
}

/** Says the same thing at most once every 10 s: a server that is down fails every connection, often. */
function throttled(say: (error: Error) => void): (error: Error) => void {
  let last = 0;
  return (error) => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    say(error);
  };
}
