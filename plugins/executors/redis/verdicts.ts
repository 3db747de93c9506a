import type { Redis } from 'ioredis';
import type { ReportVerdict } from '../../../core/index.ts';

/** Seconds a blocking pop waits before the worker checks that it should still wait. */
const POLL_SECONDS = 1;

/**
 * The verdicts a worker waits for, one blocking pop per report. A blocking pop holds its connection,
 * so each segment in flight borrows one from a small pool (as many as the worker's concurrency).
 */
export class VerdictWaiter {
  private readonly idle: Redis[] = [];
  private readonly all: Redis[] = [];

  constructor(private readonly open: () => Redis) {}

  /** Waits for `key`'s verdict; `stillWanted` throws (and so abandons the wait) when the answer no longer matters. */
  async wait(key: string, stillWanted: () => Promise<void>): Promise<ReportVerdict> {
    const connection = this.idle.pop() ?? this.add();
    try {
      for (;;) {
        const popped = await connection.blpop(key, POLL_SECONDS);
        if (popped) return popped[1] === 'stop' ? 'stop' : 'continue';
        await stillWanted();
      }
    } finally {
      this.idle.push(connection);
    }
  }

  close(): void {
    for (const connection of this.all) connection.disconnect();
  }

  private add(): Redis {
    const connection = this.open();
    this.all.push(connection);
    return connection;
  }
}
