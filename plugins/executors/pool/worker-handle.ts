import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ReportVerdict, SegmentJob, SegmentResult, Report, TrainerDescription } from '../../../core/index.ts';
import type { FromWorker, ToWorker, WorkerInit } from './messages.ts';
import { fromWire } from './wire-error.ts';

/** How long a worker may take to start before its silence counts against the heartbeat deadline. */
const STARTUP_SECONDS = 120;

const WORKER_ENTRY = new URL(`./worker-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** The segment a worker is training, and how its reports and end reach the search. */
export interface Assignment {
  id: number;
  job: SegmentJob;
  onReport(report: Report): Promise<ReportVerdict>;
  resolve(result: SegmentResult): void;
  reject(error: Error): void;
}

/**
 * The search side of one worker process: starts it (TypeScript sources run through tsx, compiled
 * JavaScript as is), sends it segments, forwards reports and verdicts, and notices when it dies or
 * stops beating.
 */
export class WorkerHandle {
  readonly name: string;
  private child?: ChildProcess;
  private ready?: Promise<TrainerDescription>;
  private lastBeat = Date.now();
  private isReady = false;
  assignment?: Assignment | undefined;
  /** Set once the process has exited; the pool replaces it. */
  dead = false;

  constructor(
    index: number,
    private readonly init: WorkerInit,
    private readonly onDeath: (worker: WorkerHandle, reason: string) => void,
  ) {
    this.name = `worker ${index}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get busy(): boolean {
    return this.assignment !== undefined;
  }

  /**
   * Seconds since the worker last showed it was alive. Starting up (loading a runtime, preparing data)
   * is not silence: until it is ready, only a start that takes longer than STARTUP_SECONDS counts.
   */
  get silentFor(): number {
    const seconds = (Date.now() - this.lastBeat) / 1000;
    return this.isReady ? seconds : Math.max(0, seconds - STARTUP_SECONDS);
  }

  /** Starts the worker (once); resolves with what its trainer declared when it prepared. */
  start(): Promise<TrainerDescription> {
    this.ready ??= new Promise<TrainerDescription>((resolve, reject) => {
      const typescript = WORKER_ENTRY.pathname.endsWith('.ts');
      const child = fork(fileURLToPath(WORKER_ENTRY), [], {
        execArgv: typescript ? ['--import', tsxLoader()] : [],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.child = child;
      child.on('message', (message: FromWorker) => {
        this.lastBeat = Date.now();
        if (message.t === 'ready') {
          this.isReady = true;
          resolve(message.description);
        } else if (message.t === 'initFailed') reject(fromWire(message.error));
        else this.receive(message);
      });
      child.on('exit', (code, signal) => {
        this.dead = true;
        const reason = `${this.name} (pid ${child.pid}) exited ${signal ? `on ${signal}` : `with code ${code}`}`;
        reject(new Error(reason));
        this.onDeath(this, reason);
      });
      this.send({ t: 'init', init: this.init });
    });
    return this.ready;
  }

  /** Takes the segment at once (the worker counts as busy), and sends it once the worker is up. */
  assign(assignment: Assignment): void {
    this.assignment = assignment;
    this.lastBeat = Date.now();
    this.start().then(
      () => {
        this.send({ t: 'run', id: assignment.id, job: assignment.job });
      },
      (error: unknown) => {
        // A worker that cannot start (its trainer fails to prepare there) fails the segment; a death is handled by the pool.
        if (!this.dead && this.assignment === assignment) {
          this.assignment = undefined;
          assignment.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
    );
  }

  release(trialId: number): void {
    this.send({ t: 'release', trialId });
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** Asks the worker to free everything and exit; kills it if it does not within `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || this.dead) return;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    this.send({ t: 'close' });
    const timer = setTimeout(() => {
      this.kill();
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }

  private receive(message: FromWorker): void {
    const assignment = this.assignment;
    if (message.t === 'report' && assignment?.id === message.id) {
      void assignment.onReport(message.report).then((verdict) => {
        this.send({ t: 'verdict', id: message.id, seq: message.seq, verdict });
      });
    } else if (message.t === 'done' && assignment?.id === message.id) {
      this.assignment = undefined;
      assignment.resolve(message.result);
    } else if (message.t === 'failed' && assignment?.id === message.id) {
      this.assignment = undefined;
      assignment.reject(fromWire(message.error));
    }
  }

  private send(message: ToWorker): void {
    if (this.child?.connected) this.child.send(message);
  }
}

/**
 * tsx's loader as an absolute URL: `--import tsx` would be resolved from the user's working folder, which
 * need not have tsx (a study run from anywhere).
 */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}
