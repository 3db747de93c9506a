import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A trial's latest checkpoint and the segment it lets the trial start. */
export interface StoredCheckpoint {
  seg: number;
  bytes: Uint8Array;
}

/**
 * Where a `TrialHost` keeps trainer checkpoints, by trial id: a folder one machine's workers share
 * (`FileCheckpointStore`), or a store every machine reaches (the redis executor keeps them in Redis).
 */
export interface CheckpointStore {
  load(trialId: number): Promise<StoredCheckpoint | undefined>;
  /** Replaces the trial's checkpoint whole: a reader never sees a torn one. */
  save(trialId: number, seg: number, bytes: Uint8Array): Promise<void>;
  remove(trialId: number): Promise<void>;
}

/** One file per trial: a 4-byte segment index (little endian), then the trainer's bytes. */
export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async load(trialId: number): Promise<StoredCheckpoint | undefined> {
    const path = this.path(trialId);
    if (!existsSync(path)) return undefined;
    const file = await readFile(path);
    return { seg: file.readUInt32LE(0), bytes: new Uint8Array(file.subarray(4)) };
  }

  /** Written beside, then renamed over: a worker killed mid-write never leaves a torn checkpoint. */
  async save(trialId: number, seg: number, bytes: Uint8Array): Promise<void> {
    const header = Buffer.alloc(4);
    header.writeUInt32LE(seg, 0);
    const path = this.path(trialId);
    await writeFile(`${path}.tmp`, Buffer.concat([header, bytes]));
    await rename(`${path}.tmp`, path);
  }

  async remove(trialId: number): Promise<void> {
    await rm(this.path(trialId), { force: true });
  }

  /** A checkpoint is there for the trial (a pool asks before moving a trial to another worker). */
  has(trialId: number): boolean {
    return existsSync(this.path(trialId));
  }

  private path(trialId: number): string {
    return join(this.dir, `trial-${trialId}.ckpt`);
  }
}
