import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullConnection } from './connection.ts';
import { keys, queueName } from './protocol.ts';

/**
 * Removes every key a study left in Redis: its announcement, checkpoints and liveness, and its BullMQ
 * queue (verdict lists expire by themselves). The search process does it when the study ends, knowing
 * its trials; a worker does it for a search process that died, scanning for the study's keys.
 */
export async function removeStudy(redis: Redis, url: string, prefix: string, study: string, trials?: Iterable<number>): Promise<void> {
  await redis.hdel(keys.studies(prefix), study);
  if (trials) {
    await redis.del(keys.alive(prefix, study), ...[...trials].map((trialId) => keys.checkpoint(prefix, study, trialId)));
  } else {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', keys.studyKeys(prefix, study), 'COUNT', 500);
      if (found.length) await redis.del(...found);
      cursor = next;
    } while (cursor !== '0');
  }
  const queue = new Queue(queueName(study), { connection: bullConnection(url), prefix });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}
