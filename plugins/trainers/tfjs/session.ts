/**
 * One trial's training: its model, optimizer state, shuffle order and progress, trained in segments
 * up to the caps each `train` call gives, with the batch size and learning rate that call asks for.
 * Losses stay on the device between reports; the only reads are at reports.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchtuneError, InfeasibleError, errorMessage } from '../../../core/errors.ts';
import type { Progress } from '../../../core/resource.ts';
import { endsBefore, type SegmentEnd } from '../../../core/target.ts';
import type { ReportHandler, ReportVerdict, SegmentResult, TrainerSession, TrainRequest } from '../../../core/trainer.ts';
import { batchOf, EpochSampler } from './batches.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import type { Dataset } from './data/dataset.ts';
import { EVAL_CHUNK, evaluateFitting } from './evaluate.ts';
import { backendDamaged, backendGeneration, isOutOfMemory, markBackendDamaged, releaseTape } from './memory.ts';
import type { BuiltModel } from './model.ts';
import type { TrialOptimizer } from './optimizer.ts';
import { noiseMetrics, NoiseScaleEstimator } from '../../../analysis/noise-scale.ts';
import type { NoiseScaleOptions } from './options.ts';
import { Stepper, type BatchGradients } from './step.ts';
import { rateAt } from './warmup.ts';
import { at } from '../../../core/indexed.ts';

interface SessionSettings {
  data: Dataset;
  /** Examples between evaluations (cumulative over the trial). */
  evalEvery: number;
  /** The most examples a trial may see (maxEpochs × train rows). */
  maxExamples?: number | undefined;
  /** Measure the gradient noise scale on micro-batches of some steps. */
  noiseScale?: NoiseScaleOptions | undefined;
}

const YIELD_EVERY_MS = 200;

function now(): number {
  return performance.now();
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

interface SavedState {
  progress: Progress;
  sampler: { epoch: number; cursor: number };
  lastRate?: number | undefined;
  lastEvaluation?: { steps: number; metrics: Record<string, number> } | undefined;
}

export class TfjsSession implements TrainerSession {
  private readonly progress: Progress = { examples: 0, steps: 0, seconds: 0 };
  private readonly stepper: Stepper;
  private readonly sampler: EpochSampler;
  /** Sums since the last report, on the device: per-batch mean losses, rows classified right. */
  private readonly lossSum: tf.Variable;
  private readonly correctSum: tf.Variable;
  private stepsSince = 0;
  private examplesSince = 0;
  private lastEvaluation?: { steps: number; metrics: Record<string, number> } | undefined;
  /** Rows per evaluation chunk: shrinks when a chunk does not fit in memory. */
  private readonly evalChunk = { size: EVAL_CHUNK };
  private disposed = false;
  /** Why the last `canStep` said no, for the segment's result. */
  private endedBy?: SegmentEnd | undefined;
  /** The rate the last step used, which reports give. */
  private lastRate?: number | undefined;
  private readonly noise?: NoiseScaleEstimator;
  /** Squared norms [|g_1|², ..., |g_k|², |ḡ|²] of measured steps, on the device until the next report. */
  private pendingNorms: Array<{ norms: tf.Tensor1D; microBatch: number }> = [];

  /**
   * The checkpoint capability: weights, optimizer slots, data order and counters as bytes. Not offered
   * while the noise scale is measured, whose running averages it does not carry: such a trial re-trains.
   */
  readonly checkpoint?: () => Promise<Uint8Array>;

  /** The backend this session's tensors live on (see `recoverBackend`). */
  private readonly generation: number;

  constructor(
    private readonly settings: SessionSettings,
    private readonly built: BuiltModel,
    private readonly optimizer: TrialOptimizer,
    seed: number,
  ) {
    this.generation = backendGeneration();
    this.stepper = new Stepper(built, optimizer.optimizer, settings.data.classes ? 'classification' : 'regression');
    this.sampler = new EpochSampler(settings.data.train.rows, seed);
    // Made in a tidy so the initial scalars (separate tensors from the variables) are freed.
    this.lossSum = tf.tidy(() => tf.variable(tf.scalar(0), false));
    this.correctSum = tf.tidy(() => tf.variable(tf.scalar(0), false));
    if (settings.noiseScale) this.noise = new NoiseScaleEstimator({ beta: settings.noiseScale.beta });
    else this.checkpoint = () => this.save();
  }

  private async save(): Promise<Uint8Array> {
    const state: SavedState = {
      progress: { ...this.progress },
      sampler: this.sampler.position,
      lastRate: this.lastRate,
      lastEvaluation: this.lastEvaluation,
    };
    return encodeCheckpoint({ state, model: this.built.model.getWeights(), optimizer: await this.optimizer.optimizer.getWeights() });
  }

  /** Puts a fresh session (built from the same trial seed) where a checkpoint left its trial. */
  async restore(bytes: Uint8Array): Promise<void> {
    const { state, model, optimizer } = decodeCheckpoint<SavedState>(bytes);
    try {
      this.built.model.setWeights(model);
      await this.optimizer.optimizer.setWeights(optimizer);
    } finally {
      tf.dispose([...model, ...optimizer.map((o) => o.tensor)]);
    }
    Object.assign(this.progress, state.progress);
    this.sampler.seek(state.sampler);
    this.lastRate = state.lastRate;
    this.lastEvaluation = state.lastEvaluation;
    if (state.lastRate !== undefined) this.optimizer.setLearningRate(state.lastRate);
  }

  async train(request: TrainRequest, onReport: ReportHandler): Promise<SegmentResult> {
    if (this.disposed) throw new BatchtuneError('USAGE', 'train() called on a disposed tfjs session');
    if (this.generation !== backendGeneration()) {
      throw new BatchtuneError(
        'PLUGIN_FAILED',
        "the wasm backend was rebuilt after another trial ran out of memory; this session's tensors were lost with the old heap",
      );
    }
    const { batchSize, learningRate } = request;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new BatchtuneError('USAGE', `batch size must be a positive integer (got ${batchSize})`);
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) {
      throw new BatchtuneError('USAGE', `learning rate must be a finite number >= 0 (got ${learningRate})`);
    }
    const limits = request.limits;
    if (
      limits.examples === undefined &&
      limits.steps === undefined &&
      limits.seconds === undefined &&
      !request.target &&
      this.settings.maxExamples === undefined
    ) {
      throw new BatchtuneError('USAGE', 'train() needs a target or a limit in examples, steps or seconds');
    }
    const k = this.settings.noiseScale?.microBatches;
    if (k !== undefined && batchSize % k !== 0) {
      throw new BatchtuneError(
        'CONFIG_INVALID',
        `trainer.noiseScale.microBatches: batch size ${batchSize} does not split into ${k} equal micro-batches; use batch sizes that are multiples of ${k}`,
      );
    }
    const start: Progress = { ...this.progress };
    const every = this.settings.evalEvery;
    let nextReport = (Math.floor(this.progress.examples / every) + 1) * every;
    let lastYield = now();

    while (this.canStep(batchSize, request, start)) {
      this.lastRate = rateAt(this.progress.examples, learningRate, request.warmup);
      this.optimizer.setLearningRate(this.lastRate);
      const began = now();
      this.step(batchSize);
      this.progress.seconds += (now() - began) / 1000;
      this.progress.examples += batchSize;
      this.progress.steps += 1;
      if (!this.canStep(batchSize, request, start)) break;
      if (this.progress.examples >= nextReport) {
        nextReport = (Math.floor(this.progress.examples / every) + 1) * every;
        if ((await this.report(request, start, false, onReport)) === 'stop') return this.result(batchSize, true);
        lastYield = now();
      } else if (now() - lastYield > YIELD_EVERY_MS) {
        // Let timers and signals run (progress bars, Ctrl-C); this time is not training time.
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = now();
      }
    }
    // A segment that took no step has nothing new to say: no report, so an untrained model is never evaluated as a result.
    if (this.progress.steps === start.steps) return this.result(batchSize, false);
    const verdict = await this.report(request, start, true, onReport);
    return this.result(batchSize, verdict === 'stop');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.built.model.dispose();
      this.optimizer.dispose();
      this.lossSum.dispose();
      this.correctSum.dispose();
      for (const { norms } of this.pendingNorms.splice(0)) norms.dispose();
    } catch (error) {
      // A heap that ran out of memory is dropped whole when the backend is rebuilt; its tensors cannot be freed one by one.
      if (!backendDamaged() && this.generation === backendGeneration()) throw error;
    }
  }

  /** Whether to take another step: within the caps, and not past the point nearest the target (`endsBefore`). */
  private canStep(batchSize: number, request: TrainRequest, start: Progress): boolean {
    const next = { examples: this.progress.examples + batchSize, steps: this.progress.steps + 1, seconds: this.progress.seconds };
    const max = this.settings.maxExamples;
    const ended = endsBefore(start, this.progress, next, request);
    this.endedBy = ended || undefined;
    return !ended && (max === undefined || next.examples <= max);
  }

  private result(batchSize: number, stopped: boolean): SegmentResult {
    const max = this.settings.maxExamples;
    const endedBy = this.endedBy;
    return {
      progress: { ...this.progress },
      exhausted: max !== undefined && this.progress.examples + batchSize > max,
      stopped,
      ...(endedBy ? { endedBy } : {}),
    };
  }

  /** One optimizer step on the next batch; an allocation failure makes the batch size infeasible. */
  private step(batchSize: number): void {
    const rows = this.sampler.next(batchSize);
    try {
      tf.tidy(() => {
        const { xs, ys } = batchOf(this.settings.data.train, rows);
        const noise = this.settings.noiseScale;
        const measure = noise !== undefined && this.progress.steps % noise.every === 0;
        const { grads, loss, correct } = measure
          ? this.microBatchGradients(xs, ys, noise.microBatches)
          : this.stepper.computeGradients(xs, ys);
        this.stepper.applyGradients(grads);
        this.lossSum.assign(tf.add(this.lossSum, loss));
        if (correct) this.correctSum.assign(tf.add(this.correctSum, correct));
      });
    } catch (error) {
      releaseTape();
      if (!isOutOfMemory(error)) throw error;
      const reason = errorMessage(error).split('\n')[0];
      markBackendDamaged(`out of memory at batch size ${batchSize}`);
      throw new InfeasibleError(batchSize, `out of memory on backend ${tf.getBackend()}: ${reason}`, { cause: error });
    }
    this.stepsSince += 1;
    this.examplesSince += batchSize;
  }

  /**
   * The batch's gradient as the mean of the gradients of k equal micro-batches, all at the current
   * weights (so the update is the whole batch's), with the squared norms of the k gradients and of
   * their mean kept for the noise-scale estimator. Each micro-batch's tape is freed before the next.
   */
  private microBatchGradients(xs: tf.Tensor, ys: tf.Tensor, k: number): BatchGradients {
    const b = xs.shape[0] / k;
    const rowsOf = (t: tf.Tensor, start: number) =>
      tf.slice(t, [start, ...t.shape.slice(1).map(() => 0)], [b, ...t.shape.slice(1).map(() => -1)]);
    const sqNorm = (grads: tf.NamedTensorMap) => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))) as tf.Scalar;
    let sum: tf.NamedTensorMap = {};
    let loss: tf.Scalar = tf.scalar(0);
    let correct: tf.Scalar | undefined;
    const norms: tf.Scalar[] = [];
    for (let i = 0; i < k; i++) {
      const previous = { sum, loss, correct };
      const next = tf.tidy(() => {
        const part = this.stepper.computeGradients(rowsOf(xs, i * b), rowsOf(ys, i * b));
        const added: tf.NamedTensorMap = {};
        for (const [name, g] of Object.entries(part.grads)) added[name] = previous.sum[name] ? tf.add(previous.sum[name], g) : g;
        return {
          sum: added,
          loss: tf.add<tf.Scalar>(previous.loss, part.loss),
          norm: sqNorm(part.grads),
          ...(part.correct ? { correct: previous.correct ? tf.add<tf.Scalar>(previous.correct, part.correct) : part.correct } : {}),
        };
      });
      tf.dispose([...Object.values(previous.sum), previous.loss, ...(previous.correct ? [previous.correct] : [])]);
      ({ sum, loss, correct } = next);
      norms.push(next.norm);
    }
    const grads: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(sum)) grads[name] = tf.div(g, k);
    norms.push(sqNorm(grads));
    this.pendingNorms.push({ norms: tf.keep(tf.stack(norms) as tf.Tensor1D), microBatch: b });
    return { grads, loss: tf.div<tf.Scalar>(loss, k), ...(correct ? { correct } : {}) };
  }

  /** Feeds the measurements made since the last report to the estimator (reading them off the device). */
  private async readNoise(): Promise<void> {
    const noise = this.noise;
    if (!noise) throw new Error('noise-scale measurements were read without a noise-scale estimator');
    const pending = this.pendingNorms.splice(0);
    const values = await Promise.all(pending.map((p) => p.norms.data()));
    pending.forEach(({ norms, microBatch }, i) => {
      norms.dispose();
      const v = Array.from(at(values, i));
      noise.add({ microBatch, microSqNorms: v.slice(0, -1), meanSqNorm: at(v, v.length - 1) });
    });
  }

  private async report(request: TrainRequest, start: Progress, final: boolean, onReport: ReportHandler): Promise<ReportVerdict> {
    const metrics: Record<string, number | null> = {};
    // Reading the sums waits for any training work still queued, so that wait is training time.
    const began = now();
    const [lossSum, correctSum] = await Promise.all([
      this.lossSum.data(),
      this.correctSum.data(),
      this.noise ? this.readNoise() : undefined,
    ]);
    this.progress.seconds += (now() - began) / 1000;
    if (this.stepsSince > 0) {
      metrics.train_loss = finite(at(lossSum, 0) / this.stepsSince);
      if (this.stepper.task === 'classification') metrics.train_acc = finite(at(correctSum, 0) / this.examplesSince);
    }
    tf.tidy(() => {
      this.lossSum.assign(tf.zerosLike(this.lossSum));
      this.correctSum.assign(tf.zerosLike(this.correctSum));
    });
    this.stepsSince = 0;
    this.examplesSince = 0;

    Object.assign(metrics, await this.evaluateAll(final));
    const examples = this.progress.examples - start.examples;
    const seconds = this.progress.seconds - start.seconds;
    if (examples > 0 && seconds > 0) metrics.examples_per_second = examples / seconds;
    metrics.epochs = this.progress.examples / this.settings.data.train.rows;
    const rate = this.lastRate ?? rateAt(this.progress.examples, request.learningRate, request.warmup);
    metrics.lr = rate;
    Object.assign(metrics, noiseMetrics(this.noise?.estimate));
    for (const key of Object.keys(metrics)) metrics[key] = typeof metrics[key] === 'number' ? finite(metrics[key]) : null;

    return onReport({
      progress: { ...this.progress },
      metrics,
      batchSize: request.batchSize,
      learningRate: rate,
    });
  }

  /** Validation metrics (reused when the weights have not changed since), and test ones at a segment's end. */
  private async evaluateAll(final: boolean): Promise<Record<string, number>> {
    const began = now();
    let metrics: Record<string, number>;
    if (this.lastEvaluation?.steps === this.progress.steps) {
      metrics = { ...this.lastEvaluation.metrics };
    } else {
      const validation = await evaluateFitting(this.stepper, this.settings.data.validation, this.evalChunk);
      metrics = { val_loss: validation.loss, ...(validation.accuracy !== undefined ? { val_acc: validation.accuracy } : {}) };
      this.lastEvaluation = { steps: this.progress.steps, metrics: { ...metrics } };
    }
    const test = this.settings.data.test;
    if (final && test) {
      const result = await evaluateFitting(this.stepper, test, this.evalChunk);
      metrics.test_loss = result.loss;
      if (result.accuracy !== undefined) metrics.test_acc = result.accuracy;
    }
    metrics.eval_seconds = (now() - began) / 1000;
    return metrics;
  }
}
