import {
  defineTrainer,
  endsBefore,
  InfeasibleError,
  type Progress,
  type Report,
  type ReportHandler,
  type SegmentResult,
  type TrainRequest,
  type TrainerSession,
} from '../../core/index.ts';

export interface FakeOptions {
  /** Batch sizes above this throw InfeasibleError (out of memory). */
  maxFeasible?: number;
  /** Simulated seconds per step at a batch size. */
  secondsPerStep?: (batchSize: number) => number;
  /** Report every this many examples (and at the end of each segment). */
  reportEvery?: number;
  maxExamples?: number;
}

export interface FakeCall {
  trialId: number;
  request: TrainRequest;
}

/**
 * A tiny trainer that records every request and "trains" step by step: val_acc rises with the sum
 * of learning rates it was given (so schedules differ), seconds follow `secondsPerStep`.
 */
export function fakeTrainer(options: FakeOptions = {}) {
  const calls: FakeCall[] = [];
  const opened: number[] = [];
  const definition = defineTrainer<Record<string, never>>({
    name: 'fake',
    description: 'records requests',
    schema: { type: 'object', properties: {} },
    create() {
      return {
        prepare() {
          return Promise.resolve({
            objective: { metric: 'val_acc', mode: 'max' as const },
            maxResource: { examples: options.maxExamples ?? 1e9 },
            space: { batchSize: [8] },
          });
        },
        open({ trialId, params }) {
          opened.push(params.batchSize);
          return Promise.resolve(new FakeSession(trialId, calls, options));
        },
      };
    },
  });
  return { definition, calls, opened };
}

class FakeSession implements TrainerSession {
  private progress: Progress = { examples: 0, steps: 0, seconds: 0 };
  private learned = 0;
  constructor(
    private readonly trialId: number,
    private readonly calls: FakeCall[],
    private readonly options: FakeOptions,
  ) {}

  async train(request: TrainRequest, onReport: ReportHandler): Promise<SegmentResult> {
    this.calls.push({ trialId: this.trialId, request: structuredClone(request) });
    const { batchSize } = request;
    if (this.options.maxFeasible !== undefined && batchSize > this.options.maxFeasible)
      throw new InfeasibleError(batchSize, 'fake out of memory');
    const every = this.options.reportEvery ?? Infinity;
    const start = this.progress.examples;
    let lr = request.learningRate;
    const report = (): Report => ({
      progress: this.progress,
      metrics: { val_acc: 1 - Math.exp(-this.learned), lr },
      batchSize,
      learningRate: lr,
    });
    const begin = this.progress;
    const nextStep = (): Progress => ({
      examples: this.progress.examples + batchSize,
      steps: this.progress.steps + 1,
      seconds: this.progress.seconds,
    });
    while (
      !endsBefore(begin, this.progress, nextStep(), request) &&
      this.progress.examples + batchSize <= (this.options.maxExamples ?? Infinity)
    ) {
      const w = request.warmup;
      lr =
        w && this.progress.examples < w.examples
          ? w.from + ((request.learningRate - w.from) * this.progress.examples) / w.examples
          : request.learningRate;
      this.learned += lr * 0.01;
      this.progress = {
        examples: this.progress.examples + batchSize,
        steps: this.progress.steps + 1,
        seconds: this.progress.seconds + (this.options.secondsPerStep?.(batchSize) ?? 0.001),
      };
      if (this.progress.examples % every === 0 && (await onReport(report())) === 'stop')
        return { progress: this.progress, exhausted: false, stopped: true };
    }
    if (this.progress.examples > start && this.progress.examples % every !== 0) await onReport(report());
    return {
      progress: this.progress,
      exhausted: this.progress.examples + batchSize > (this.options.maxExamples ?? Infinity),
      stopped: false,
    };
  }

  dispose(): void {}
}
