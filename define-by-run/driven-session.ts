/**
 * A trainer session driven from outside the engine: something else trains (a user's objective
 * function, another framework's loop) and feeds reports in. The engine still decides: each report goes
 * to its report handler; the segment ends at the report nearest its target (the next report is assumed
 * to come at the same pace as the last two), at a budget cap, or when the handler says stop.
 */
import {
  endsBefore,
  ZERO_PROGRESS,
  type Progress,
  type Report,
  type ReportHandler,
  type SegmentResult,
  type TrainRequest,
  type TrainerSession,
} from '../core/index.ts';

/** What the driver learns from a report: train on, wait for the next segment (pause), or end the trial (stop). */
export type DrivenVerdict = 'continue' | 'pause' | 'stop';

/** Where a report was taken: cumulative examples, and steps and seconds when the driver knows them. */
export interface ReportPoint {
  examples: number;
  steps?: number;
  seconds?: number;
}

interface OpenSegment {
  request: TrainRequest;
  onReport: ReportHandler;
  start: Progress;
  resolve: (result: SegmentResult) => void;
  reject: (error: unknown) => void;
}

export class DrivenSession implements TrainerSession {
  private segment: OpenSegment | undefined;
  private resume: Array<() => void> = [];
  private previous: Progress | undefined;
  private progress: Progress = ZERO_PROGRESS;
  private readonly born = performance.now();
  /** Stopped by the engine, disposed, or finished by the driver: nothing more to train. */
  ended = false;

  /** `onSegment` hears each segment the engine asks for (the ask/tell study queues it). */
  constructor(private readonly onSegment: (session: DrivenSession) => void = () => {}) {}

  /** Where the trial stands in this session: the driver trains on from here. */
  get at(): Progress {
    return this.progress;
  }

  /** The open segment's request (batch size, learning rate, target), if the engine is waiting on one. */
  get request(): TrainRequest | undefined {
    return this.segment?.request;
  }

  train(request: TrainRequest, onReport: ReportHandler): Promise<SegmentResult> {
    if (this.ended) return Promise.resolve({ progress: this.progress, exhausted: true, stopped: false });
    return new Promise((resolve, reject) => {
      this.segment = { request, onReport, start: this.progress, resolve, reject };
      this.onSegment(this);
      this.wake();
    });
  }

  /** Feeds one report in; the answer says whether the driver trains on. */
  async report(metrics: Record<string, number | null>, at: ReportPoint): Promise<DrivenVerdict> {
    const segment = this.segment;
    if (!segment)
      throw new Error(
        this.ended
          ? 'the trial is over: report() after it was stopped or finished'
          : 'report() while no segment is open: await each report before training on',
      );
    const batchSize = segment.request.batchSize;
    const progress: Progress = {
      examples: at.examples,
      steps: at.steps ?? Math.ceil(at.examples / batchSize),
      seconds: at.seconds ?? (performance.now() - this.born) / 1000,
    };
    if (!(progress.examples >= this.progress.examples))
      throw new Error(`report(): examples must be cumulative (got ${at.examples} after ${this.progress.examples})`);
    this.previous = this.progress;
    this.progress = progress;
    const report: Report = { progress, metrics, batchSize, learningRate: segment.request.learningRate };
    const verdict = await segment.onReport(report);
    if (verdict === 'stop') {
      this.close({ progress, exhausted: false, stopped: true });
      return 'stop';
    }
    const end = endsBefore(segment.start, progress, this.guessNext(), segment.request);
    if (!end) return 'continue';
    this.segment = undefined;
    segment.resolve({ progress, exhausted: false, stopped: false, endedBy: end });
    return 'pause';
  }

  /** The driver can train no further (its loop ended): the open segment ends, the trial is exhausted. */
  finish(): void {
    this.close({ progress: this.progress, exhausted: true, stopped: false });
  }

  /** The driver failed: the open segment fails with its error (the engine marks the trial failed). */
  fail(error: unknown): void {
    const segment = this.segment;
    this.segment = undefined;
    this.ended = true;
    segment?.reject(error);
    this.wake();
  }

  /** Resolves true when the engine opens the next segment, false once the trial is over. */
  nextSegment(): Promise<boolean> {
    if (this.segment) return Promise.resolve(true);
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) =>
      this.resume.push(() => {
        resolve(!this.ended && this.segment !== undefined);
      }),
    );
  }

  dispose(): void {
    this.ended = true;
    this.wake();
  }

  private close(result: SegmentResult): void {
    const segment = this.segment;
    this.segment = undefined;
    this.ended = true;
    segment?.resolve(result);
    this.wake();
  }

  private wake(): void {
    const waiting = this.resume;
    this.resume = [];
    for (const resume of waiting) resume();
  }

  /** The next report, assumed as far on as the last was from the one before (twice as far for the first). */
  private guessNext(): Progress {
    const now = this.progress;
    const before = this.previous ?? ZERO_PROGRESS;
    return {
      examples: now.examples + Math.max(1, now.examples - before.examples),
      steps: now.steps + Math.max(1, now.steps - before.steps),
      seconds: now.seconds + Math.max(0, now.seconds - before.seconds),
    };
  }
}
