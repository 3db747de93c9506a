import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callPlugin } from './driver.ts';
import type { SegmentJob } from './executor.ts';
import type { ReportHandler, SegmentResult, Trainer, TrainerSession } from './trainer.ts';

interface HeldSession {
  session: TrainerSession;
  /** The next segment this session can train: it holds the state after segment `next - 1`. */
  next: number;
}

/**
 * Holds the live trainer sessions of the trials one process trains (the search process for `inline`, a
 * worker for `pool` and `redis`), and runs segments on them. A segment for a trial it holds continues
 * its session; otherwise it restores the trial's latest checkpoint when there is one for exactly this
 * point, else opens a fresh session and re-trains the trial's history (uncharged) to catch up.
 */
export class TrialHost {
  private readonly sessions = new Map<number, HeldSession>();

  constructor(
    private readonly trainer: { name: string; instance: Trainer },
    /** A folder shared by the workers of one machine; checkpoints are written there after each segment. */
    private readonly checkpointDir?: string,
  ) {
    if (checkpointDir) mkdirSync(checkpointDir, { recursive: true });
  }

  /** Trials whose sessions live here. */
  get held(): number {
    return this.sessions.size;
  }

  holds(trialId: number, seg: number): boolean {
    return this.sessions.get(trialId)?.next === seg;
  }

  async run(job: SegmentJob, onReport: ReportHandler): Promise<SegmentResult> {
    const { name } = this.trainer;
    const session = await this.sessionFor(job);
    const result = await callPlugin(name, 'train', () => session.train(job.request, onReport));
    this.sessions.set(job.trial.trialId, { session, next: job.seg + 1 });
    if (!job.final && !result.exhausted && session.checkpoint) await this.saveCheckpoint(job, session);
    return result;
  }

  async release(trialId: number): Promise<void> {
    const held = this.sessions.get(trialId);
    this.sessions.delete(trialId);
    if (this.checkpointDir) rmSync(this.checkpointPath(trialId), { force: true });
    if (held) await callPlugin(this.trainer.name, 'dispose', () => held.session.dispose());
  }

  /** Disposes every session (errors are collected, not thrown one by one) and closes the trainer. */
  async close(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const trialId of [...this.sessions.keys()]) await this.release(trialId).catch((error) => errors.push(error));
    await callPlugin(this.trainer.name, 'close', () => this.trainer.instance.close?.()).catch((error) => errors.push(error));
    return errors;
  }

  private async sessionFor(job: SegmentJob): Promise<TrainerSession> {
    const { name, instance } = this.trainer;
    const { trialId } = job.trial;
    const held = this.sessions.get(trialId);
    if (held?.next === job.seg) return held.session;
    if (held) await this.release(trialId);
    const restored = await this.restore(job);
    if (restored) return restored;
    const session = await callPlugin(name, 'open', () => instance.open(job.trial));
    // Catch up with what the trial trained elsewhere; those examples were charged when they were trained.
    for (const past of job.history) await callPlugin(name, 'train', () => session.train(past, () => 'continue'));
    return session;
  }

  private async restore(job: SegmentJob): Promise<TrainerSession | undefined> {
    const { name, instance } = this.trainer;
    if (!this.checkpointDir || !instance.restore || job.seg === 0) return undefined;
    const path = this.checkpointPath(job.trial.trialId);
    if (!existsSync(path)) return undefined;
    const file = readFileSync(path);
    const seg = file.readUInt32LE(0);
    if (seg !== job.seg) return undefined;
    return callPlugin(name, 'restore', () => instance.restore!(job.trial, new Uint8Array(file.subarray(4))));
  }

  /** Written beside, then renamed over: a worker killed mid-write never leaves a torn checkpoint. */
  private async saveCheckpoint(job: SegmentJob, session: TrainerSession): Promise<void> {
    if (!this.checkpointDir) return;
    const bytes = await callPlugin(this.trainer.name, 'checkpoint', () => session.checkpoint!());
    const header = Buffer.alloc(4);
    header.writeUInt32LE(job.seg + 1, 0);
    const path = this.checkpointPath(job.trial.trialId);
    writeFileSync(`${path}.tmp`, Buffer.concat([header, bytes]));
    renameSync(`${path}.tmp`, path);
  }

  private checkpointPath(trialId: number): string {
    return join(this.checkpointDir!, `trial-${trialId}.ckpt`);
  }
}
