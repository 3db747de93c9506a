import type { Objective } from './objective.ts';
import type { Params } from './params.ts';
import { ZERO_PROGRESS, type Progress, type ResourceUnit } from './resource.ts';
import type { Report, TrainRequest, TrainerSession } from './trainer.ts';
import type { TrialState, TrialView } from './trial.ts';

/** The engine's mutable record of a trial; strategies and plugins see it as a TrialView. */
export class TrialRecord implements TrialView {
  state: TrialState = 'running';
  progress: Progress = ZERO_PROGRESS;
  reports: Report[] = [];
  reason?: string;
  batchSize: number;
  learningRate: number;
  /** Segments run so far (the next segment's index). */
  segments = 0;
  /** The trainer can take this trial no further. */
  exhausted = false;
  /** What the latest segment was asked to reach, and whether the budget cut it short. */
  target = 0;
  cutByBudget = false;
  session?: TrainerSession;
  /** Replayed segments a live session must re-train (uncharged) before it can continue. */
  readonly pendingFastForward: TrainRequest[] = [];

  constructor(
    readonly trialId: number,
    readonly params: Params,
    readonly seed: number,
    readonly tag: unknown,
    private readonly objective: Objective,
    private readonly unit: ResourceUnit,
  ) {
    this.batchSize = params.batchSize;
    this.learningRate = params.learningRate;
  }

  get resource(): number {
    return this.progress[this.unit];
  }

  get lastReport(): Report | undefined {
    return this.reports[this.reports.length - 1];
  }

  get value(): number | null | undefined {
    const report = this.lastReport;
    if (!report) return undefined;
    const value = report.metrics[this.objective.metric];
    return value === undefined || value === null || !Number.isFinite(value) ? null : value;
  }
}
