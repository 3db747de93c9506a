import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullConnection } from './connection.ts';
import { keys, queueName } from './protocol.ts';

/**
 * Removes every key a study left in Redis: its announcement, verdicts and checkpoints, and its BullMQ
 * queue. The search process does it when the study ends; a worker does it for a search process that died.
 */
export async function removeStudy(redis: Redis, url: string, prefix: string, study: string): Promise<void> {
  await redis.hdel(keys.studies(prefix), study);
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.studyKeys(prefix, study), 'COUNT', 500);
    if (found.length) await redis.del(...found);
    cursor = next;
  } while (cursor !== '0');
  const queue = new Queue(queueName(study), { connection: bullConnection(url), prefix });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}
