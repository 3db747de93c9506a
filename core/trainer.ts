import type { Params, Warmup } from './params.ts';
import type { Limits, Progress, ResourceUnit } from './resource.ts';
import type { Objective } from './objective.ts';
import type { SegmentEnd, Target } from './target.ts';
import type { SpaceConfig } from './space.ts';

/**
 * One measurement of a trial, at a point in its training. `progress` is cumulative; `metrics`
 * holds every number the trainer measured there (val_acc, val_loss, train_loss, examples_per_second...).
 * A metric is `null` when it is not a finite number (the trial diverged).
 */
export interface Report {
  progress: Progress;
  metrics: Record<string, number | null>;
  batchSize: number;
  /** The learning rate in use at this point (after warmup and schedules). */
  learningRate: number;
}

/** What one call to `TrainerSession.train` asks for. */
export interface TrainRequest {
  /** Cumulative hard caps (the budget): never take a step that would exceed one (examples, steps), or start one once time is up (seconds). */
  limits: Limits;
  /**
   * Where the search wants the trial to be when the segment ends. Soft: end at the reachable report
   * point nearest to it, never with zero progress while the trial can still train (`endsBefore`).
   * The engine always sets it; a direct caller may leave it out and rely on `limits` alone.
   */
  target?: Target | undefined;
  batchSize: number;
  learningRate: number;
  warmup?: Warmup;
}

/** A report handler's answer: keep training, or stop this trial now. */
export type ReportVerdict = 'continue' | 'stop';

/**
 * Called by a session at each report. Its answer may come asynchronously (the search may run in
 * another process): a session awaits it before it trains on.
 */
export type ReportHandler = (report: Report) => ReportVerdict | Promise<ReportVerdict>;

export interface SegmentResult {
  /** Cumulative progress when the segment ended. */
  progress: Progress;
  /** The trainer cannot train this trial any further (end of a recorded curve, max epochs). */
  exhausted: boolean;
  /** The report handler asked to stop. */
  stopped: boolean;
  /**
   * Why the segment ended, when the trainer knows: at the point nearest its target, or at a hard limit
   * (the budget's cap). `endsBefore` says which. Without it the engine takes "reached the target" to mean
   * the resource is at or past it.
   */
  endedBy?: SegmentEnd;
}

/**
 * A trial being trained. `train` continues from the current weights and optimizer state up to the
 * limits; it may be called again (promotion continues, never restarts), with a new batch size or
 * learning rate. It calls `onReport` at each evaluation and once at the end of any segment that
 * made progress, so the last report always describes the current weights.
 * Throw `InfeasibleError` when the batch size cannot run (out of memory).
 */
export interface TrainerSession {
  train(request: TrainRequest, onReport: ReportHandler): Promise<SegmentResult>;
  dispose(): void | Promise<void>;
  /**
   * Optional capability: the session's whole state (weights, optimizer, data order, progress) as bytes,
   * between segments. With `Trainer.restore` it lets a trial continue on another worker, or after its
   * worker died, exactly where it was, instead of re-training from the start.
   */
  checkpoint?(): Promise<Uint8Array>;
}

/** What a trainer knows before any trial runs. */
export interface TrainerDescription {
  /** The objective to use when the config names none. */
  objective?: Objective;
  /** The most each unit can reach (the end of a recorded curve); strategies default to it. */
  maxResource?: Partial<Record<ResourceUnit, number>>;
  /** The space to search when the config gives none. */
  space?: SpaceConfig;
  /** Facts to put in the journal and summary (e.g. the backend chosen and why). */
  info?: Record<string, unknown>;
  /**
   * True when reported seconds are recorded, not measured (a replay): the engine then advances a
   * simulated clock so concurrent trials are deterministic.
   */
  simulatedClock?: boolean;
}

export interface TrialHandle {
  trialId: number;
  params: Params;
  seed: number;
}

export interface Trainer {
  /** Loads what every trial shares (data, backend) and describes the trainer. Called once. */
  prepare(): Promise<TrainerDescription>;
  open(trial: TrialHandle): Promise<TrainerSession>;
  /** Rebuilds a session from `TrainerSession.checkpoint` bytes (the capability's other half). */
  restore?(trial: TrialHandle, checkpoint: Uint8Array): Promise<TrainerSession>;
  close?(): void | Promise<void>;
}

/**
 * A trainer whose implementation is imported on first use, so registering a plugin with heavy
 * dependencies (TensorFlow.js) costs nothing until a study actually uses it.
 */
export function lazyTrainer(load: () => Promise<Trainer>): Required<Trainer> {
  let loaded: Promise<Trainer> | undefined;
  const trainer = () => (loaded ??= load());
  return {
    prepare: async () => (await trainer()).prepare(),
    open: async (trial) => (await trainer()).open(trial),
    restore: async (trial, checkpoint) => {
      const inner = await trainer();
      if (!inner.restore) throw new Error('this trainer cannot restore checkpoints');
      return inner.restore(trial, checkpoint);
    },
    close: async () => {
      if (loaded) await (await loaded).close?.();
    },
  };
}
