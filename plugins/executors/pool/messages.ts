import type { PluginRef, Report, ReportVerdict, SegmentJob, SegmentResult, TrainerDescription } from '../../../core/index.ts';

/** What a pool worker needs to build the study's trainer in its own process. */
export interface WorkerInit {
  trainer: PluginRef;
  plugins: string[];
  baseDir: string;
  seed: number;
  checkpointDir?: string;
}

/** An error as it crosses the process boundary: enough to rebuild what the engine acts on. */
export interface WireError {
  message: string;
  code?: string;
  batchSize?: number;
  /** Set for a plugin failure: the plugin and hook, and the plugin's own message. */
  plugin?: string;
  hook?: string;
  cause?: string;
}

/** Search process → worker. */
export type ToWorker =
  | { t: 'init'; init: WorkerInit }
  | { t: 'run'; id: number; job: SegmentJob }
  | { t: 'verdict'; id: number; seq: number; verdict: ReportVerdict }
  | { t: 'release'; trialId: number }
  | { t: 'close' };

/** Worker → search process. */
export type FromWorker =
  | { t: 'ready'; description: TrainerDescription }
  | { t: 'initFailed'; error: WireError }
  | { t: 'beat' }
  | { t: 'report'; id: number; seq: number; report: Report }
  | { t: 'done'; id: number; result: SegmentResult }
  | { t: 'failed'; id: number; error: WireError }
  | { t: 'released'; trialId: number; error?: WireError }
  | { t: 'closed' };
