import { availableParallelism, hostname } from 'node:os';
import {
  BatchtuneError,
  defineExecutor,
  FileCheckpointStore,
  type Executor,
  type ExecutorContext,
  type SegmentHandlers,
  type SegmentJob,
  type SegmentRun,
  type TrainerDescription,
} from '../../../core/index.ts';
import { WorkerHandle, type Assignment } from './worker-handle.ts';
import { at } from '../../../core/indexed.ts';

interface PoolOptions {
  workers?: number;
  heartbeatSeconds: number;
  maxRestarts: number;
}

/** A segment waiting for, or running on, a worker. */
interface Pending {
  id: number;
  job: SegmentJob;
  handlers: SegmentHandlers;
  restarts: number;
  /** The engine gave up on it: when its worker dies it is not run again. */
  abandoned?: boolean;
  /** The most other segments that trained at once while this one did. */
  sharedWith: number;
  resolve(run: SegmentRun): void;
  reject(error: Error): void;
}

/**
 * Worker processes on this machine, each with its own trainer. A trial's next segment goes back to the
 * worker that holds its session; when that worker is busy and the trial has a checkpoint, any idle worker
 * restores it instead. A worker that dies, or stops beating for `heartbeatSeconds`, is replaced, and its
 * segment runs again elsewhere from the trial's checkpoint (or by re-training to where it was).
 */
class PoolExecutor implements Executor {
  readonly sequential = false;
  private readonly workers: WorkerHandle[] = [];
  private readonly holders = new Map<number, WorkerHandle>();
  private readonly queue: Pending[] = [];
  private readonly running = new Map<WorkerHandle, Pending>();
  private nextId = 0;
  private spawned = 0;
  private closing = false;
  private watchdog?: NodeJS.Timeout;
  /** The workers' shared checkpoint folder, read here only to know whether a trial's session can move. */
  private readonly checkpoints?: FileCheckpointStore;

  constructor(
    private readonly options: PoolOptions & { workers: number },
    private readonly context: ExecutorContext,
  ) {
    if (context.checkpointDir) this.checkpoints = new FileCheckpointStore(context.checkpointDir);
  }

  get slots(): number {
    return this.options.workers;
  }

  /** Starts every worker now; the first to prepare its trainer says what the trainer declared. */
  async describe(): Promise<TrainerDescription> {
    this.startWorkers();
    const starts = this.workers.map((w) => w.start());
    for (const start of starts) start.catch(() => {});
    return Promise.any(starts).catch((error: unknown) => {
      throw error instanceof AggregateError ? error.errors[0] : error;
    });
  }

  run(job: SegmentJob, handlers: SegmentHandlers): Promise<SegmentRun> {
    return new Promise<SegmentRun>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, handlers, restarts: 0, sharedWith: 0, resolve, reject });
      this.dispatch();
    });
  }

  release(trialId: number): Promise<void> {
    const holder = this.holders.get(trialId);
    this.holders.delete(trialId);
    // A trial ended while its segment still runs (it went silent past its deadline): that worker is stuck; replace it.
    for (const [worker, pending] of this.running) {
      if (pending.job.trial.trialId === trialId) {
        pending.abandoned = true;
        worker.kill();
        return Promise.resolve();
      }
    }
    if (holder && !holder.dead) holder.release(trialId);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.watchdog);
    await Promise.all(this.workers.map((w) => w.close()));
    await this.context.localTrainer.instance.close?.();
  }

  private dispatch(): void {
    this.startWorkers();
    for (let i = 0; i < this.queue.length;) {
      const pending = at(this.queue, i);
      const worker = this.workerFor(pending.job);
      if (!worker) {
        i += 1;
        continue;
      }
      this.queue.splice(i, 1);
      this.assign(worker, pending);
    }
  }

  /** The worker holding the trial's session if it is free; else, when the session can move (a checkpoint, or none yet), any free worker. */
  private workerFor(job: SegmentJob): WorkerHandle | undefined {
    const holder = this.holders.get(job.trial.trialId);
    const idle = this.workers.filter((w) => !w.dead && !w.busy);
    if (holder && !holder.dead) {
      if (!holder.busy) return holder;
      return this.checkpoints?.has(job.trial.trialId) ? idle[0] : undefined;
    }
    return idle[0];
  }

  private assign(worker: WorkerHandle, pending: Pending): void {
    const { job, handlers } = pending;
    this.holders.set(job.trial.trialId, worker);
    this.running.set(worker, pending);
    // Throughput is only a finding when measured alone: note every overlap, on both sides.
    for (const other of this.running.values()) other.sharedWith = Math.max(other.sharedWith, this.running.size - 1);
    const assignment: Assignment = {
      id: pending.id,
      job,
      onReport: async (report) => handlers.onReport(report),
      resolve: (result) => {
        this.running.delete(worker);
        pending.resolve({
          result,
          placement: { host: hostname(), worker: `${worker.name} (pid ${worker.pid})`, sharedWith: pending.sharedWith },
        });
        this.dispatch();
      },
      reject: (error) => {
        this.running.delete(worker);
        pending.reject(error);
        this.dispatch();
      },
    };
    worker.assign(assignment);
  }

  private startWorkers(): void {
    while (!this.closing && this.workers.filter((w) => !w.dead).length < this.options.workers) {
      const worker = new WorkerHandle(this.spawned++, this.init(), (dead, reason) => {
        this.onDeath(dead, reason);
      });
      this.workers.push(worker);
    }
    this.watchdog ??= setInterval(() => {
      this.checkHeartbeats();
    }, 1000).unref();
  }

  private init() {
    const { context } = this;
    return {
      trainer: context.trainer,
      plugins: context.plugins,
      baseDir: context.baseDir,
      seed: context.seed,
      ...(context.checkpointDir ? { checkpointDir: context.checkpointDir } : {}),
    };
  }

  private checkHeartbeats(): void {
    for (const worker of this.workers) {
      if (!worker.dead && worker.busy && worker.silentFor > this.options.heartbeatSeconds) worker.kill();
    }
  }

  /** A worker is gone: its sessions with it. Its segment runs again on another worker, up to `maxRestarts` times. */
  private onDeath(worker: WorkerHandle, reason: string): void {
    this.workers.splice(this.workers.indexOf(worker), 1);
    for (const [trialId, holder] of this.holders) if (holder === worker) this.holders.delete(trialId);
    const pending = this.running.get(worker);
    this.running.delete(worker);
    if (this.closing) return;
    const why =
      worker.silentFor > this.options.heartbeatSeconds ? `${reason} after no heartbeat for ${this.options.heartbeatSeconds} s` : reason;
    if (pending?.abandoned) {
      pending.reject(new BatchtuneError('WORKER_LOST', `pool: ${why}; its segment was abandoned`));
    } else if (pending) {
      if (pending.restarts >= this.options.maxRestarts) {
        pending.reject(new BatchtuneError('WORKER_LOST', `pool: ${why}; the segment was lost ${pending.restarts + 1} times, giving up`));
      } else {
        pending.restarts += 1;
        void Promise.resolve(pending.handlers.onRestart(why)).then(() => {
          this.queue.unshift(pending);
          this.dispatch();
        });
        return;
      }
    }
    this.dispatch();
  }
}

export const poolExecutor = defineExecutor<PoolOptions>({
  name: 'pool',
  description: 'Trains in worker processes on this machine, each with its own trainer; segments run at once, one per worker.',
  schema: {
    type: 'object',
    properties: {
      workers: { type: 'integer', minimum: 1, description: 'Worker processes; default: the number of cores.' },
      heartbeatSeconds: {
        type: 'number',
        exclusiveMinimum: 0,
        default: 60,
        description: 'A busy worker silent for this long is killed and its segment runs elsewhere.',
      },
      maxRestarts: {
        type: 'integer',
        minimum: 0,
        default: 3,
        description: 'How often one segment may be lost with its worker before its trial fails.',
      },
    },
  },
  create(options, context) {
    return new PoolExecutor({ ...options, workers: options.workers ?? availableParallelism() }, context);
  },
});
