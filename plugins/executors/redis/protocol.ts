/**
 * What the search process and `batchtune worker` processes say to each other through Redis. Every key
 * lives under the deployment's prefix P (default `batchtune`); a study's id S names its BullMQ queue.
 *
 * - `P:studies` (hash S -> StudyAnnouncement) and `P:announce` (pub/sub, Broadcast): the search process
 *   announces its study; workers start a BullMQ worker on its queue, and drop it on `close`.
 * - `P:study:S:alive` (key with a TTL): the search process refreshes it; a worker abandons the study
 *   when it expires (the search process died without closing).
 * - BullMQ queue `study-S` (keys `P:study-S:*`): one job per segment, data `SegmentJobData`, id
 *   `<trialId>.<seg>`. The worker streams `WorkerMessage`s with `job.updateProgress`, which the search
 *   process reads in order through BullMQ's QueueEvents; the job's return value is a `SegmentReply`.
 * - `P:study:S:verdict:<jobId>:<attempt>` (list): the search process pushes `continue` or `stop` after
 *   each report; the worker waits for it with a blocking pop before it trains on.
 * - `P:study:S:ckpt:<trialId>` (bytes): the trial's latest trainer checkpoint (see RedisCheckpointStore).
 * - `P:host:<hostname>:active` (sorted set) and `P:host:<hostname>:starts` (counter): the segments
 *   training on a machine, so a placement can say whether it had the machine to itself.
 */
import type { PluginRef, SegmentJob, SegmentPlacement, SegmentResult } from '../../../core/index.ts';

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
 * Worker to search process, in order, through job progress. Each run of a job (the first, or BullMQ's
 * re-run of a stalled one) starts with `start` and a fresh attempt id; reports of an older attempt are ignored.
 */
export type WorkerMessage =
  | { t: 'start'; attempt: string; worker: string; host: string }
  | { t: 'report'; attempt: string; report: import('../../../core/index.ts').Report };

/** The job's return value: the segment's end, or the trainer's error (a failed or infeasible trial, not a lost worker). */
export type SegmentReply =
  | { ok: { result: SegmentResult; placement: SegmentPlacement } }
  | { error: { code?: string; message: string } };

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
  verdict: (prefix: string, study: string, job: string, attempt: string) => `${prefix}:study:${study}:verdict:${job}:${attempt}`,
  checkpoint: (prefix: string, study: string, trialId: number) => `${prefix}:study:${study}:ckpt:${trialId}`,
  studyKeys: (prefix: string, study: string) => `${prefix}:study:${study}:*`,
  hostActive: (prefix: string, host: string) => `${prefix}:host:${host}:active`,
  hostStarts: (prefix: string, host: string) => `${prefix}:host:${host}:starts`,
};
