import type { PluginRef } from './config.ts';
import type { ReportHandler, SegmentResult, TrainerDescription, TrainRequest, Trainer, TrialHandle } from './trainer.ts';

/** One training segment of one trial, as the engine hands it to an executor. */
export interface SegmentJob {
  trial: TrialHandle;
  /** The segment's index within its trial (0 for the first). */
  seg: number;
  request: TrainRequest;
  /**
   * What the trial trained before this segment, in order, each capped at what it actually reached. A host
   * without a live session for the trial (another worker had it, a worker died, the search resumed)
   * restores a checkpoint when the trainer offers one, else re-trains these, uncharged, before the segment.
   */
  history: TrainRequest[];
  /** The trial ends after this segment whatever it reports (the strategy said so). */
  final: boolean;
}

/** Where a segment ran, so throughput can be read honestly. */
export interface SegmentPlacement {
  /** The machine (host name) and worker that trained it. */
  host: string;
  worker: string;
  /**
   * The most other segments that trained on the same machine at any moment during this one; 0 means it
   * had the machine to itself, so its examples/s were measured alone.
   */
  sharedWith: number;
}

export interface SegmentRun {
  result: SegmentResult;
  placement: SegmentPlacement;
}

/** What an executor tells the engine while a segment runs. */
export interface SegmentHandlers {
  onReport: ReportHandler;
  /**
   * The segment is being run again from its start (its worker died or stalled): the engine discards the
   * reports it had from it, refunds their charge, and journals a fresh start of the segment.
   */
  onRestart(reason: string): void | Promise<void>;
}

/**
 * Where trials train. The engine decides; the executor runs segments and streams their reports back.
 * `run` resolves when the segment ends, or rejects: `InfeasibleError` (code INFEASIBLE) for a batch
 * that does not fit, any other error for a failed trial. A segment lost with its worker is retried by
 * the executor itself (after `onRestart`), so the engine sees each segment end once.
 */
export interface Executor {
  /** Segments it runs at once, when the config does not set `concurrency`. */
  readonly slots: number;
  /**
   * True when segments run one at a time in this process (inline): the engine then keeps the search's
   * clock itself, simulated from reported seconds, so concurrent trials stay deterministic.
   */
  readonly sequential: boolean;
  run(job: SegmentJob, handlers: SegmentHandlers): Promise<SegmentRun>;
  /**
   * Prepares the trainer where trials will train and returns what it declared, so the search process
   * need not load the trainer's runtime and data itself (a pool's workers). Without it, the search process
   * prepares its own instance.
   */
  describe?(): Promise<TrainerDescription>;
  /** The trial has ended: free its session wherever it lives. */
  release(trialId: number): Promise<void>;
  /** Frees every session and worker. */
  close(): Promise<void>;
}

/** What an executor is built from: enough to create the study's trainer again in another process. */
export interface ExecutorContext {
  /** The study's resolved trainer reference (`type` and options). */
  trainer: PluginRef;
  /** User plugin modules the config names, to register in a worker. */
  plugins: string[];
  baseDir: string;
  seed: number;
  /** The trainer already built and prepared in this process (what `inline` trains with). */
  localTrainer: { name: string; instance: Trainer };
  /** A folder this study may keep checkpoints in (next to its journal), when it has one. */
  checkpointDir?: string;
}
