/**
 * One trial's script process, kept alive across segments: a promoted trial continues from its live
 * weights. `train` sends the request and relays the script's reports to the search, answering each
 * with the search's verdict; `dispose` closes the process (close, SIGTERM, SIGKILL).
 */
import { BatchtuneError, InfeasibleError } from '../../../core/errors.ts';
import { RESOURCE_UNITS, type Progress } from '../../../core/resource.ts';
import type { Report, ReportHandler, SegmentResult, TrainerSession, TrainRequest } from '../../../core/trainer.ts';
import { noiseMetrics, NoiseScaleEstimator } from '../../../analysis/noise-scale.ts';
import { rateAt } from '../tfjs/warmup.ts';
import type { ScriptProcess } from './child.ts';
import type { ProcessOptions } from './options.ts';
import type { DoneMessage, GradientsMessage, IncomingMessage, ReportMessage } from './protocol.ts';

export class ProcessSession implements TrainerSession {
  private progress: Progress = { examples: 0, steps: 0, seconds: 0 };
  private segment = 0;
  private readonly noise?: NoiseScaleEstimator;
  private disposed = false;

  constructor(
    private readonly script: ScriptProcess,
    private readonly options: ProcessOptions,
    private readonly onDisposed: () => void = () => {},
  ) {
    if (options.noiseScale) this.noise = new NoiseScaleEstimator({ beta: options.noiseScale.beta });
  }

  /** The script's process id (tests check a promoted trial keeps its process). */
  get pid(): number | undefined {
    return this.script.pid;
  }

  async train(request: TrainRequest, onReport: ReportHandler): Promise<SegmentResult> {
    if (this.disposed) throw new BatchtuneError('USAGE', 'train() called on a disposed process session');
    const k = this.options.noiseScale?.microBatches;
    if (k !== undefined && request.batchSize % k !== 0) {
      throw new BatchtuneError(
        'CONFIG_INVALID',
        `trainer.noiseScale.microBatches: batch size ${request.batchSize} does not split into ${k} equal micro-batches; use batch sizes that are multiples of ${k}`,
      );
    }
    const start = { ...this.progress };
    const segment = this.segment++;
    this.script.phase = `training segment ${segment}`;
    this.script.send({
      type: 'train',
      segment,
      limits: request.limits,
      ...(request.target ? { target: request.target } : {}),
      batchSize: request.batchSize,
      learningRate: request.learningRate,
      ...(request.warmup ? { warmup: request.warmup } : {}),
    });
    let stopped = false;
    let reported: Progress | undefined;
    const timeoutMs = this.options.timeoutSeconds * 1000;
    for (;;) {
      const message: IncomingMessage = await this.script.receive(timeoutMs, `timeoutSeconds ${this.options.timeoutSeconds}`);
      switch (message.type) {
        case 'report': {
          this.advance(message.progress, request, 'report');
          // After a stop, the search has its answer: later reports are answered, not relayed.
          if (stopped) {
            this.script.send({ type: 'stop' });
            break;
          }
          const verdict = await onReport(this.toReport(message, request, start));
          reported = message.progress;
          stopped = verdict === 'stop';
          this.script.send({ type: verdict });
          break;
        }
        case 'gradients':
          this.measure(message, request.batchSize);
          break;
        case 'heartbeat':
          break;
        case 'done':
          return this.finish(message, start, reported, stopped, request);
        case 'error':
          if (message.infeasible) throw new InfeasibleError(request.batchSize, `the script says: ${message.message}`);
          throw this.script.error(`the script sent an error while ${this.script.phase}: ${message.message}`);
        default:
          throw this.script.error(
            `the script sent "${message.type}" while ${this.script.phase}; expected report, gradients, heartbeat, done or error`,
          );
      }
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.script.alive) this.script.send({ type: 'close' });
    await this.script.terminate(this.options.closeGraceSeconds * 1000);
    this.onDisposed();
  }

  /** Cumulative progress only grows, and never past the request's hard caps on examples and steps. */
  private advance(next: Progress, request: TrainRequest, what: string): void {
    for (const unit of RESOURCE_UNITS) {
      if (next[unit] < this.progress[unit]) {
        throw this.script.error(
          `the script's ${what} went back from ${this.progress[unit]} to ${next[unit]} ${unit} (progress is cumulative over the trial)`,
        );
      }
    }
    for (const unit of ['examples', 'steps'] as const) {
      const cap = request.limits[unit];
      if (cap !== undefined && next[unit] > cap) {
        throw this.script.error(
          `the script's ${what} at ${next[unit]} ${unit} is past the segment's hard limit of ${cap} ${unit} (check limits before each step; the Python helper's should_step() does)`,
        );
      }
    }
    this.progress = { ...next };
  }

  private toReport(message: ReportMessage, request: TrainRequest, start: Progress): Report {
    const metrics: Record<string, number | null> = { ...message.metrics };
    const examples = message.progress.examples - start.examples;
    const seconds = message.progress.seconds - start.seconds;
    if (!('examples_per_second' in metrics) && examples > 0 && seconds > 0) metrics.examples_per_second = examples / seconds;
    Object.assign(metrics, noiseMetrics(this.noise?.estimate));
    const learningRate =
      message.learningRate ?? rateAt(Math.max(0, message.progress.examples - request.batchSize), request.learningRate, request.warmup);
    return { progress: { ...message.progress }, metrics, batchSize: request.batchSize, learningRate };
  }

  private measure(message: GradientsMessage, batchSize: number): void {
    if (!this.noise) throw this.script.error('the script sent gradients, but noiseScale is not set in the trainer options');
    const k = message.microSqNorms.length;
    if (message.microBatch * k !== batchSize) {
      throw this.script.error(
        `the script sent gradients of ${k} micro-batches of ${message.microBatch}, which is not the batch of ${batchSize}`,
      );
    }
    this.noise.add(message);
  }

  /** The segment's end: its progress must be described by a report (the last report is the current weights). */
  private finish(
    message: DoneMessage,
    start: Progress,
    reported: Progress | undefined,
    stopped: boolean,
    request: TrainRequest,
  ): SegmentResult {
    this.advance(message.progress, request, 'done');
    const moved = message.progress.examples > start.examples || message.progress.steps > start.steps;
    const described = reported && reported.examples === message.progress.examples && reported.steps === message.progress.steps;
    if (moved && !described && !stopped) {
      const last = reported ? `the last report was at ${reported.examples} examples` : 'it sent no report';
      throw this.script.error(
        `the script ended segment ${this.segment - 1} at ${message.progress.examples} examples but ${last}; send a report after the last step of every segment`,
      );
    }
    this.script.phase = 'between segments';
    return { progress: { ...this.progress }, exhausted: message.exhausted, stopped };
  }
}
