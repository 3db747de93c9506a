import type { SegmentPlacement } from './executor.ts';
import type { Objective } from './objective.ts';
import type { Params } from './params.ts';
import { ZERO_PROGRESS, type Progress, type ResourceUnit } from './resource.ts';
import type { Report, TrainRequest } from './trainer.ts';
import type { SegmentTrace, TrialState, TrialView } from './trial.ts';

/**
 * The engine's mutable record of a trial. Plugins and listeners never see it: they get `snapshot()`, a
 * frozen copy, rebuilt only after the record changed (`touch()`), so a plugin that mutates what it is
 * handed changes nothing, and handing out snapshots stays cheap.
 */
export class TrialRecord {
  state: TrialState = 'pending';
  progress: Progress = ZERO_PROGRESS;
  readonly reports: Report[] = [];
  reason?: string;
  batchSize: number;
  learningRate: number;
  /** Segments run so far (the next segment's index). */
  segments = 0;
  /** The trainer can take this trial no further. */
  exhausted = false;
  /** What the latest segment was asked to reach, and whether the budget's cap stopped it short of that. */
  target = 0;
  cutByBudget = false;
  /** What each finished segment trained, capped at what it reached: a new session re-trains these to catch up. */
  readonly history: TrainRequest[] = [];
  readonly trace: SegmentTrace[] = [];
  private cached: TrialView | undefined;

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

  /** Call after every change; the next snapshot is rebuilt. */
  touch(): void {
    this.cached = undefined;
  }

  addReport(report: Report): void {
    this.reports.push(report);
    this.progress = report.progress;
    this.touch();
  }

  /** Forgets the reports of a segment that is run again from its start (its worker was lost). */
  rollback(reports: number, progress: Progress): void {
    this.reports.length = reports;
    this.progress = progress;
    this.touch();
  }

  noteSegment(target: number, placement?: SegmentPlacement): void {
    this.trace.push({ target, reached: this.resource, ...(placement ? { sharedWith: placement.sharedWith } : {}) });
    this.touch();
  }

  snapshot(): TrialView {
    this.cached ??= deepFreeze({
      trialId: this.trialId,
      params: { ...this.params },
      seed: this.seed,
      ...(this.tag !== undefined ? { tag: structuredClone(this.tag) } : {}),
      state: this.state,
      progress: { ...this.progress },
      resource: this.resource,
      value: this.value,
      ...(this.lastReport ? { lastReport: this.lastReport } : {}),
      reports: [...this.reports],
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      batchSize: this.batchSize,
      learningRate: this.learningRate,
      segments: [...this.trace],
    });
    return this.cached;
  }
}

/** Freezes an object and everything it holds (reports are frozen once, when they arrive). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
