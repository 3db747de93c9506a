import { hostname } from 'node:os';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Executor, type ExecutorContext, type SegmentHandlers, type SegmentJob, type SegmentRun } from '../../../core/index.ts';
import { removeStudy } from './cleanup.ts';
import { bullConnection, connect } from './connection.ts';
import { newStudyId, type RedisExecutorOptions } from './options.ts';
import {
  jobId,
  keys,
  queueName,
  type Broadcast,
  type SegmentJobData,
  type SegmentReply,
  type StudyAnnouncement,
  type WorkerMessage,
} from './protocol.ts';
import { at } from '../../../core/indexed.ts';

/** How long the study's "alive" key lasts without a refresh; the search process refreshes it every 2 s. */
const ALIVE_MS = 10_000;

interface Connected {
  redis: Redis;
  queue: Queue;
  events: QueueEvents;
  heartbeat: NodeJS.Timeout;
}

/** A segment handed to the queue and not yet ended. Its messages are handled one after another, in order. */
interface Pending {
  handlers: SegmentHandlers;
  /** The attempt whose word counts: the latest start of the job heard from. */
  attempt?: number;
  where?: string;
  stalled: boolean;
  chain: Promise<void>;
  resolve(run: SegmentRun): void;
  reject(error: unknown): void;
}

/**
 * The search process's side of the redis executor: one BullMQ job per segment on the study's own
 * queue, reports read in order from BullMQ's event stream, a verdict pushed back for each. Training
 * happens in `batchtune worker` processes, on any machine that reaches the Redis server.
 */
export class RedisExecutor implements Executor {
  readonly sequential = false;
  readonly slots: number;
  readonly study: string;
  private connected?: Promise<Connected>;
  private readonly pending = new Map<string, Pending>();
  /** Every trial that ran a segment: the checkpoint keys this study may have left. */
  private readonly trials = new Set<number>();

  constructor(
    private readonly options: RedisExecutorOptions,
    private readonly context: Pick<ExecutorContext, 'trainer' | 'plugins' | 'baseDir' | 'seed'>,
  ) {
    this.slots = options.slots;
    this.study = options.study ?? newStudyId(hostname());
  }

  async run(segment: SegmentJob, handlers: SegmentHandlers): Promise<SegmentRun> {
    const { queue } = await this.start();
    this.trials.add(segment.trial.trialId);
    const id = jobId(segment);
    const ended = new Promise<SegmentRun>((resolve, reject) => {
      this.pending.set(id, { handlers, stalled: false, chain: Promise.resolve(), resolve, reject });
    });
    const { trainer, plugins, baseDir, seed } = this.context;
    const data: SegmentJobData = { study: this.study, trainer, plugins, baseDir, seed, segment };
    try {
      await queue.add('segment', data, { jobId: id, removeOnComplete: true, removeOnFail: true });
      return await ended;
    } finally {
      this.pending.delete(id);
    }
  }

  async release(trialId: number): Promise<void> {
    if (!this.connected) return;
    const { redis } = await this.connected;
    const message: Broadcast = { t: 'release', study: this.study, trialId };
    await redis
      .multi()
      .del(keys.checkpoint(this.options.prefix, this.study, trialId))
      .publish(keys.announce(this.options.prefix), JSON.stringify(message))
      .exec();
  }

  /** Tells the workers the study is over (they free its sessions) and removes every key it made. */
  async close(): Promise<void> {
    if (!this.connected) return;
    const { redis, queue, events, heartbeat } = await this.connected;
    clearInterval(heartbeat);
    for (const [id, pending] of this.pending) pending.reject(new Error(`redis: the executor closed while segment ${id} was running`));
    const { url, prefix } = this.options;
    try {
      await this.broadcast(redis, { t: 'close', study: this.study });
      await Promise.allSettled([events.close(), queue.close()]);
      await removeStudy(redis, url, prefix, this.study, this.trials);
    } finally {
      redis.disconnect();
    }
  }

  /** Connects on the first segment, so validating a config needs no Redis server. */
  private start(): Promise<Connected> {
    this.connected ??= this.connect();
    return this.connected;
  }

  private async connect(): Promise<Connected> {
    const { url, prefix, lockDuration, stalledInterval, maxStalledCount } = this.options;
    const redis = connect(url);
    // A study id from the config may have served a run that died (the config check refused one in use):
    // clear what it left, or its queue would swallow jobs with the same ids.
    if (this.options.study !== undefined) await removeStudy(redis, url, prefix, this.study);
    const name = queueName(this.study);
    const queue = new Queue(name, { connection: bullConnection(url), prefix });
    // The queue is new to this study, so its event stream is read from its very first event.
    const events = new QueueEvents(name, { connection: bullConnection(url), prefix, lastEventId: '0-0' });
    events.on('progress', ({ jobId: id, data }) => {
      this.handle(id, (p) => this.onMessage(redis, id, p, data as WorkerMessage));
    });
    events.on('completed', ({ jobId: id, returnvalue }) => {
      this.handle(id, (p) => this.onReply(redis, id, p, returnvalue as SegmentReply));
    });
    events.on('failed', ({ jobId: id, failedReason }) => {
      this.handle(id, (p) => {
        p.reject(new Error(`redis: segment ${id} was given up by the queue: ${failedReason}`));
        return Promise.resolve();
      });
    });
    events.on('stalled', ({ jobId: id }) => {
      const pending = this.pending.get(id);
      if (pending) pending.stalled = true;
    });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);

    const alive = keys.alive(prefix, this.study);
    await redis.set(alive, '1', 'PX', ALIVE_MS);
    const heartbeat = setInterval(() => void redis.set(alive, '1', 'PX', ALIVE_MS).catch(() => {}), ALIVE_MS / 5);
    heartbeat.unref();
    const announcement: StudyAnnouncement = { study: this.study, lockDuration, stalledInterval, maxStalledCount };
    await redis.hset(keys.studies(prefix), this.study, JSON.stringify(announcement));
    await this.broadcast(redis, { t: 'open', study: this.study });
    return { redis, queue, events, heartbeat };
  }

  /** Queues work on a segment behind its earlier messages; a failure ends the segment with that error. */
  private handle(id: string, work: (pending: Pending) => Promise<void>): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    pending.chain = pending.chain
      .then(() => work(pending))
      .catch((error: unknown) => {
        pending.reject(error);
      });
  }

  private async onMessage(redis: Redis, id: string, pending: Pending, message: WorkerMessage): Promise<void> {
    if (!(await this.adopt(redis, id, pending, message))) return;
    const verdict = await pending.handlers.onReport(message.report);
    await pushVerdict(redis, keys.verdict(this.options.prefix, this.study, id, message.attempt), verdict);
  }

  private async onReply(redis: Redis, id: string, pending: Pending, reply: SegmentReply): Promise<void> {
    if (!(await this.adopt(redis, id, pending, reply))) return;
    if ('ok' in reply) {
      pending.resolve(reply.ok);
      return;
    }
    const { code, message } = reply.error;
    pending.reject(Object.assign(new Error(message), code ? { code } : {}));
  }

  /**
   * Follows the segment's latest attempt: false for word from an older one (ignored); a newer one means
   * the segment started again, so the engine drops what the old one reported before the new one counts.
   */
  private async adopt(redis: Redis, id: string, pending: Pending, from: { attempt: number; worker: string }): Promise<boolean> {
    if (pending.attempt !== undefined && from.attempt < pending.attempt) return false;
    if (pending.attempt !== undefined && from.attempt > pending.attempt) {
      // Release the old attempt's worker if it still waits for a verdict.
      await pushVerdict(redis, keys.verdict(this.options.prefix, this.study, id, pending.attempt), 'stop');
      const how = pending.stalled ? 'stopped renewing its lock (BullMQ re-ran the stalled job)' : 'gave the segment back';
      await pending.handlers.onRestart(`worker ${pending.where} ${how}; now on ${from.worker}`);
      // If the old worker lives on, its session for the trial is stale: it must not continue the trial.
      const trialId = Number(at(id.split('.'), 0));
      await this.broadcast(redis, { t: 'moved', study: this.study, trialId: trialId, worker: from.worker });
    }
    pending.attempt = from.attempt;
    pending.where = from.worker;
    pending.stalled = false;
    return true;
  }

  private async broadcast(redis: Redis, message: Broadcast): Promise<void> {
    await redis.publish(keys.announce(this.options.prefix), JSON.stringify(message));
  }
}

/** The list expires on its own when the worker that waited for it is gone. */
async function pushVerdict(redis: Redis, key: string, verdict: string): Promise<void> {
  await redis.multi().lpush(key, verdict).pexpire(key, 60_000).exec();
}
