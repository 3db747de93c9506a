import { FileCheckpointStore, type CheckpointStore } from './checkpoint-store.ts';
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
  private readonly checkpoints: CheckpointStore | undefined;

  constructor(
    private readonly trainer: { name: string; instance: Trainer },
    /**
     * Where checkpoints are written after each segment: a folder shared by the workers of one machine,
     * or a store every machine reaches. None: a trial that moves re-trains its history instead.
     */
    checkpoints?: string | CheckpointStore,
  ) {
    this.checkpoints = typeof checkpoints === 'string' ? new FileCheckpointStore(checkpoints) : checkpoints;
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

  /** The trial has ended: its session is disposed and its checkpoint removed. */
  async release(trialId: number): Promise<void> {
    const held = this.sessions.get(trialId);
    this.sessions.delete(trialId);
    await this.checkpoints?.remove(trialId);
    if (held) await callPlugin(this.trainer.name, 'dispose', () => held.session.dispose());
  }

  /** The trial goes on elsewhere: its session here is disposed, its checkpoint kept for whoever continues it. */
  async evict(trialId: number): Promise<void> {
    const held = this.sessions.get(trialId);
    this.sessions.delete(trialId);
    if (held) await callPlugin(this.trainer.name, 'dispose', () => held.session.dispose());
  }

  /**
   * Disposes every session (errors are collected, not thrown one by one) and closes the trainer. A host
   * that leaves while its study goes on (a worker shutting down) keeps the checkpoints for the others.
   */
  async close(options: { keepCheckpoints?: boolean } = {}): Promise<unknown[]> {
    const errors: unknown[] = [];
    const free = (trialId: number) => (options.keepCheckpoints ? this.evict(trialId) : this.release(trialId));
    for (const trialId of [...this.sessions.keys()]) await free(trialId).catch((error: unknown) => errors.push(error));
    await callPlugin(this.trainer.name, 'close', () => this.trainer.instance.close?.()).catch((error: unknown) => errors.push(error));
    return errors;
  }

  private async sessionFor(job: SegmentJob): Promise<TrainerSession> {
    const { name, instance } = this.trainer;
    const { trialId } = job.trial;
    const held = this.sessions.get(trialId);
    if (held?.next === job.seg) return held.session;
    if (held) await this.evict(trialId);
    const restored = await this.restore(job);
    if (restored) return restored;
    const session = await callPlugin(name, 'open', () => instance.open(job.trial));
    // Catch up with what the trial trained elsewhere; those examples were charged when they were trained.
    for (const past of job.history) await callPlugin(name, 'train', () => session.train(past, () => 'continue'));
    return session;
  }

  private async restore(job: SegmentJob): Promise<TrainerSession | undefined> {
    const { name, instance } = this.trainer;
    const restore = instance.restore?.bind(instance);
    if (!this.checkpoints || !restore || job.seg === 0) return undefined;
    const stored = await this.checkpoints.load(job.trial.trialId);
    if (!stored || stored.seg !== job.seg) return undefined;
    return callPlugin(name, 'restore', () => restore(job.trial, stored.bytes));
  }

  private async saveCheckpoint(job: SegmentJob, session: TrainerSession): Promise<void> {
    const checkpoint = session.checkpoint?.bind(session);
    if (!this.checkpoints || !checkpoint) return;
    const bytes = await callPlugin(this.trainer.name, 'checkpoint', checkpoint);
    await this.checkpoints.save(job.trial.trialId, job.seg + 1, bytes);
  }
}
