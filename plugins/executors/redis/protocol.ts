/**
 * What the search process and `batchtune worker` processes say to each other through Redis. Every key
 * lives under the deployment's prefix P (default `batchtune`); a study's id S names its BullMQ queue.
 *
 * - `P:studies` (hash S -> StudyAnnouncement) and `P:announce` (pub/sub, Broadcast): the search process
 *   announces its study; workers start a BullMQ worker on its queue, and drop it on `close`.
 * - `P:study:S:alive` (key with a TTL): the search process refreshes it; a worker abandons the study
 *   when it expires (the search process died without closing).
 * - BullMQ queue `study-S` (keys `P:study-S:*`): one job per segment, data `SegmentJobData`, id
 *   `<trialId>.<seg>`. The worker sends each report as a `WorkerMessage` with `job.updateProgress`; the
 *   search process reads them in order through BullMQ's QueueEvents, then the job's return value (a
 *   `SegmentReply`) from the same stream, or BullMQ's `failed` when it gave the job up.
 * - `P:study:S:verdict:<jobId>:<attempt>` (list): the search process pushes `continue` or `stop` after
 *   each report; the worker waits for it with a blocking pop before it trains on.
 * - `P:study:S:ckpt:<trialId>` (bytes): the trial's latest trainer checkpoint (see RedisCheckpointStore).
 * - `P:host:<hostname>:active` (sorted set) and `P:host:<hostname>:starts` (counter): the segments
 *   training on a machine, so a placement can say whether it had the machine to itself.
 */
import type { PluginRef, Report, SegmentJob, SegmentPlacement, SegmentResult } from '../../../core/index.ts';

export interface StudyAnnouncement {
  study: string;
  /** BullMQ's worker settings for this study's queue: how a dead worker's segment is found and re-run. */
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

export type Broadcast =
  | { t: 'open'; study: string }
  | { t: 'close'; study: string }
  /** The trial ended: whoever holds its session frees it. */
  | { t: 'release'; study: string; trialId: number }
  /** The trial continues on `worker`: any other holder frees its (now stale) session. */
  | { t: 'moved'; study: string; trialId: number; worker: string };

/** One segment, with everything a worker needs to build the study's trainer the way the search process did. */
export interface SegmentJobData {
  study: string;
  trainer: PluginRef;
  plugins: string[];
  baseDir: string;
  seed: number;
  segment: SegmentJob;
}

/**
 * Worker to search process, in order, through job progress: one message per report. `attempt` is
 * BullMQ's count of the job's starts (it grows when BullMQ re-runs a stalled job, or a leaving worker
 * gives it back): a higher one means the segment started again, a lower one is a lost attempt's late word.
 */
export interface WorkerMessage {
  attempt: number;
  worker: string;
  report: Report;
}

/**
 * The job's return value: the segment's end, or the trainer's error (a failed or infeasible trial, not a
 * lost worker), with the attempt that produced it.
 */
export type SegmentReply = { attempt: number; worker: string } & (
  { ok: { result: SegmentResult; placement: SegmentPlacement } } | { error: { code?: string; message: string } }
);

export const DEFAULT_PREFIX = 'batchtune';

export function queueName(study: string): string {
  return `study-${study}`;
}

export function jobId(job: SegmentJob): string {
  return `${job.trial.trialId}.${job.seg}`;
}

export const keys = {
  studies: (prefix: string) => `${prefix}:studies`,
  announce: (prefix: string) => `${prefix}:announce`,
  alive: (prefix: string, study: string) => `${prefix}:study:${study}:alive`,
  verdict: (prefix: string, study: string, job: string, attempt: number) => `${prefix}:study:${study}:verdict:${job}:${attempt}`,
  checkpoint: (prefix: string, study: string, trialId: number) => `${prefix}:study:${study}:ckpt:${trialId}`,
  studyKeys: (prefix: string, study: string) => `${prefix}:study:${study}:*`,
  hostActive: (prefix: string, host: string) => `${prefix}:host:${host}:active`,
  hostStarts: (prefix: string, host: string) => `${prefix}:host:${host}:starts`,
};
