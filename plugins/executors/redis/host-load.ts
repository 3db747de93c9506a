import type { Redis } from 'ioredis';
import { keys } from './protocol.ts';
import { at } from '../../../core/indexed.ts';

/** How often a worker says its segments still train; an entry silent for three times that is a dead worker's. */
const BEAT_MS = 2_000;
const STALE_MS = 3 * BEAT_MS;

/**
 * Counts the segments training on one machine, over all its worker processes, so each placement can say
 * whether its examples/s were measured alone. A segment's `sharedWith` is the segments already training
 * when it started plus those that started before it ended: exact when it is 0 (it had the machine to
 * itself), and never below the most that trained beside it at any moment.
 */
export class HostLoad {
  private readonly active = new Set<string>();
  private readonly beat: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    host: string,
    private readonly activeKey = keys.hostActive(prefix, host),
    private readonly startsKey = keys.hostStarts(prefix, host),
  ) {
    this.beat = setInterval(() => void this.refresh().catch(() => {}), BEAT_MS);
    this.beat.unref();
  }

  /** Marks a segment as training; the returned function unmarks it and says how many shared the machine. */
  async begin(token: string): Promise<() => Promise<number>> {
    const now = Date.now();
    const replies = await this.redis
      .multi()
      .zremrangebyscore(this.activeKey, '-inf', now - STALE_MS)
      .zadd(this.activeKey, now, token)
      .zcard(this.activeKey)
      .incr(this.startsKey)
      .exec();
    const count = replyTo(replies, 2);
    const started = replyTo(replies, 3);
    this.active.add(token);
    return async () => {
      this.active.delete(token);
      const startsNow = replyTo(await this.redis.multi().get(this.startsKey).zrem(this.activeKey, token).exec(), 0);
      return Number(count) - 1 + (Number(startsNow) - Number(started));
    };
  }

  close(): void {
    clearInterval(this.beat);
  }

  private async refresh(): Promise<void> {
    if (this.active.size === 0) return;
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const token of this.active) pipeline.zadd(this.activeKey, 'XX', now, token);
    await pipeline.exec();
  }
}

/** The result of command `index` in a MULTI; exec() answers null only for a WATCH abort, which these never use. */
function replyTo(replies: Array<[error: Error | null, result: unknown]> | null, index: number): unknown {
  if (replies === null) throw new Error('a Redis MULTI without WATCH was aborted');
  return at(replies, index)[1];
}
