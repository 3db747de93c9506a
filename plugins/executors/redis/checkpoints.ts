import type { Redis } from 'ioredis';
import type { CheckpointStore, StoredCheckpoint } from '../../../core/index.ts';
import { keys } from './protocol.ts';

/**
 * A study's trainer checkpoints in Redis, so a trial continued on another machine restores instead of
 * re-training. One key per trial: a 4-byte segment index (little endian), then the trainer's bytes;
 * SET replaces it whole, so a reader never sees a torn checkpoint.
 */
export class RedisCheckpointStore implements CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly study: string,
  ) {}

  async load(trialId: number): Promise<StoredCheckpoint | undefined> {
    const value = await this.redis.getBuffer(this.key(trialId));
    if (!value || value.length < 4) return undefined;
    return { seg: value.readUInt32LE(0), bytes: new Uint8Array(value.subarray(4)) };
  }

  async save(trialId: number, seg: number, bytes: Uint8Array): Promise<void> {
    const header = Buffer.alloc(4);
    header.writeUInt32LE(seg, 0);
    await this.redis.set(this.key(trialId), Buffer.concat([header, bytes]));
  }

  async remove(trialId: number): Promise<void> {
    await this.redis.del(this.key(trialId));
  }

  private key(trialId: number): string {
    return keys.checkpoint(this.prefix, this.study, trialId);
  }
}
