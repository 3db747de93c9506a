import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { TrialHost } from '../../../index.ts';
import { countingTrainer, segment } from '../../helpers/counting-trainer.ts';
import { RedisCheckpointStore } from '../../../plugins/executors/redis/checkpoints.ts';
import { hasRedisServer, skipMessage, startRedis } from '../../helpers/redis.ts';
import { defined } from '../../helpers/defined.ts';

skipMessage('redis checkpoint tests');
(hasRedisServer ? describe : describe.skip)('checkpoints in Redis', () => {
  // Undefined until beforeAll has started them (afterAll runs even when it failed).
  let server: { url: string; stop(): Promise<void> } | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  test('a trial that moves between machines restores where it was instead of re-training, and its checkpoint goes when it ends', async () => {
    const events: string[] = [];
    const client = defined(redis, 'the redis client');
    const store = () => new RedisCheckpointStore(client, 'ckpt-test', 'study-a');
    const first = new TrialHost({ name: 'counting', instance: countingTrainer(events) }, store());
    const second = new TrialHost({ name: 'counting', instance: countingTrainer(events) }, store());
    const continueAlways = () => 'continue' as const;

    expect((await first.run(segment(0), continueAlways)).progress.examples).toBe(100);
    expect((await second.run(segment(1), continueAlways)).progress.examples).toBe(200);
    // Back on the first machine, whose session is one segment behind: it drops it and restores the second's checkpoint.
    expect((await first.run(segment(2), continueAlways)).progress.examples).toBe(300);
    expect(events).toEqual(['train 7 from 0', 'restore 7', 'train 7 from 100', 'dispose 7', 'restore 7', 'train 7 from 200']);

    const key = 'ckpt-test:study:study-a:ckpt:7';
    expect(defined(await client.getBuffer(key), '(await client.getBuffer(key))').readUInt32LE(0)).toBe(3);
    await first.release(7);
    expect(await client.exists(key)).toBe(0);
    await second.close({ keepCheckpoints: true });
  });
});
