/**
 * One trial's training: its model, momentum buffers, data order and progress. `train` continues from
 * where the trial stands, with the batch size and learning rate the request gives, and ends where
 * batchtune's one rule (`endsBefore`) says: at the step boundary nearest the target, never past a cap.
 */
import {
  createRng,
  endsBefore,
  InfeasibleError,
  type Progress,
  type Report,
  type ReportHandler,
  type SegmentEnd,
  type SegmentResult,
  type TrainerSession,
  type TrainRequest,
  type Warmup,
} from 'batchtune';
import { Mlp, Workspace, type Batch, type BatchScore } from './mlp.ts';
import type { Rows, Split } from './idx-data.ts';

export interface SessionOptions {
  data: Split;
  hidden: number;
  momentum: number;
  /** Examples between evaluations on the validation split (a segment's end always evaluates too). */
  evalEvery: number;
  /** The most examples a trial may see (maxEpochs × training rows), if limited. */
  maxExamples?: number;
  /** The memory one step may use, in MiB: a batch that needs more is infeasible, as on a GPU. */
  memoryMiB?: number;
}

/** Where the data order stands: the epoch (each has its own seeded permutation) and the position in it. */
interface Cursor {
  epoch: number;
  position: number;
}

const EVAL_ROWS = 256;

export class MlpSession implements TrainerSession {
  private readonly model: Mlp;
  private progress: Progress = { examples: 0, steps: 0, seconds: 0 };
  private cursor: Cursor = { epoch: 0, position: 0 };
  private order: Uint32Array;
  /** Summed over the steps since the last report: loss, correct rows, rows. */
  private since = { loss: 0, correct: 0, rows: 0, seconds: 0 };
  /** The rate the last step used, which reports give. */
  private lastRate?: number;
  private work: { batchSize: number; workspace: Workspace; batch: Batch } | undefined;
  private disposed = false;

  constructor(
    private readonly options: SessionOptions,
    private readonly seed: number,
  ) {
    const { train, classes } = options.data;
    this.model = new Mlp({ inputs: train.features, hidden: options.hidden, classes }, createRng(seed, 'custom-trainer:init'));
    this.order = this.permutation(0);
  }

  async train(request: TrainRequest, onReport: ReportHandler): Promise<SegmentResult> {
    if (this.disposed) throw new Error('train() called on a disposed session');
    const { batchSize, learningRate } = request;
    this.allocate(batchSize);
    const start: Progress = { ...this.progress };
    const every = this.options.evalEvery;
    let nextEval = (Math.floor(this.progress.examples / every) + 1) * every;
    let reportedAt = this.progress.steps;
    let endedBy: SegmentEnd | false = false;
    for (;;) {
      const next = { examples: this.progress.examples + batchSize, steps: this.progress.steps + 1, seconds: this.progress.seconds };
      endedBy = endsBefore(start, this.progress, next, request);
      if (endedBy || this.exhausted(batchSize)) break;
      this.step(batchSize, rateAt(this.progress.examples, learningRate, request.warmup));
      if (this.progress.examples >= nextEval) {
        nextEval = (Math.floor(this.progress.examples / every) + 1) * every;
        reportedAt = this.progress.steps;
        if ((await onReport(this.report(request))) === 'stop') return this.result(batchSize, true, false);
      }
    }
    // Every segment that took a step ends with a report, so the last report describes the current weights.
    // One that took none says nothing: an untrained model is never evaluated as a result.
    const stopped = this.progress.steps > reportedAt && (await onReport(this.report(request))) === 'stop';
    return this.result(batchSize, stopped, endedBy);
  }

  dispose(): void {
    // Free what this session allocated; the host drops the session itself, and with it the weights.
    this.disposed = true;
    this.work = undefined;
    this.order = new Uint32Array(0);
  }

  /** Weights, momentum and where the data order stands, as bytes (`restore` reads them back). */
  checkpoint(): Promise<Uint8Array> {
    const state = JSON.stringify({ progress: this.progress, cursor: this.cursor });
    const arrays = [...this.model.params, ...this.model.velocity];
    const text = new TextEncoder().encode(state);
    const floats = arrays.reduce((n, a) => n + a.length, 0);
    const bytes = new Uint8Array(4 + text.length + 4 * floats);
    new DataView(bytes.buffer).setUint32(0, text.length, true);
    bytes.set(text, 4);
    let offset = 4 + text.length;
    for (const a of arrays) {
      bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
      offset += a.byteLength;
    }
    return Promise.resolve(bytes);
  }

  /** Puts a fresh session (same trial, same seed) where `checkpoint` left its trial. */
  restore(bytes: Uint8Array): void {
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    const state = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as { progress: Progress; cursor: Cursor };
    let offset = 4 + length;
    for (const a of [...this.model.params, ...this.model.velocity]) {
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(bytes.subarray(offset, offset + a.byteLength));
      offset += a.byteLength;
    }
    if (offset !== bytes.length) throw new Error(`checkpoint has ${bytes.length} bytes, this model needs ${offset}`);
    this.progress = state.progress;
    this.cursor = state.cursor;
    this.order = this.permutation(state.cursor.epoch);
  }

  /** The buffers for this batch size, allocated when it changes; a batch that does not fit is infeasible. */
  private allocate(batchSize: number): void {
    if (this.work?.batchSize === batchSize) return;
    const { memoryMiB } = this.options;
    const shape = this.model.shape;
    const needed = Workspace.bytes(batchSize, shape) / 2 ** 20;
    if (memoryMiB !== undefined && needed > memoryMiB) {
      throw new InfeasibleError(batchSize, `one step needs ${needed.toFixed(1)} MiB, more than trainer.memoryMiB (${memoryMiB})`);
    }
    try {
      const batch: Batch = { x: new Float32Array(batchSize * shape.inputs), y: new Uint8Array(batchSize), rows: batchSize };
      this.work = { batchSize, workspace: new Workspace(batchSize, shape), batch };
    } catch (error) {
      // V8 throws a RangeError when an array buffer cannot be allocated: this machine cannot run the batch.
      if (error instanceof RangeError) throw new InfeasibleError(batchSize, error.message, { cause: error });
      throw error;
    }
  }

  /** One optimizer step on the next `batchSize` rows of the data order; its time is training time. */
  private step(batchSize: number, learningRate: number): void {
    if (!this.work) throw new Error('no workspace');
    const began = performance.now();
    const { batch, workspace } = this.work;
    this.fill(batch);
    const score = this.model.step(batch, workspace, learningRate, this.options.momentum);
    this.progress = {
      examples: this.progress.examples + batchSize,
      steps: this.progress.steps + 1,
      seconds: this.progress.seconds + (performance.now() - began) / 1000,
    };
    this.since = {
      loss: this.since.loss + score.loss,
      correct: this.since.correct + score.correct,
      rows: this.since.rows + batchSize,
      seconds: this.since.seconds + (performance.now() - began) / 1000,
    };
    this.lastRate = learningRate;
  }

  /** Copies the next rows of the epoch's permutation into the batch; a batch may run into the next epoch. */
  private fill(batch: Batch): void {
    const { train } = this.options.data;
    for (let r = 0; r < batch.rows; r++) {
      if (this.cursor.position >= this.order.length) {
        this.cursor = { epoch: this.cursor.epoch + 1, position: 0 };
        this.order = this.permutation(this.cursor.epoch);
      }
      const row = this.order[this.cursor.position] ?? 0;
      this.cursor.position += 1;
      batch.x.set(train.x.subarray(row * train.features, (row + 1) * train.features), r * train.features);
      batch.y[r] = train.y[row] ?? 0;
    }
  }

  private permutation(epoch: number): Uint32Array {
    const rows = this.options.data.train.rows;
    return Uint32Array.from(createRng(this.seed, `custom-trainer:epoch:${epoch}`).shuffle(Array.from({ length: rows }, (_, i) => i)));
  }

  /** Metrics at the current weights: the training loss since the last report, the validation set now. */
  private report(request: TrainRequest): Report {
    const validation = this.evaluate(this.options.data.validation);
    const { since } = this;
    this.since = { loss: 0, correct: 0, rows: 0, seconds: 0 };
    const learningRate = this.lastRate ?? request.learningRate;
    return {
      progress: { ...this.progress },
      metrics: {
        val_loss: validation.loss / validation.rows,
        val_acc: validation.correct / validation.rows,
        train_loss: since.rows > 0 ? since.loss / since.rows : null,
        train_acc: since.rows > 0 ? since.correct / since.rows : null,
        examples_per_second: since.seconds > 0 ? since.rows / since.seconds : null,
        epochs: this.progress.examples / this.options.data.train.rows,
        lr: learningRate,
      },
      batchSize: request.batchSize,
      learningRate,
    };
  }

  /** Loss and accuracy over a set, in chunks (evaluation time is not training time: it is not counted). */
  private evaluate(set: Rows): BatchScore & { rows: number } {
    const shape = this.model.shape;
    const workspace = new Workspace(EVAL_ROWS, shape);
    const total = { loss: 0, correct: 0, rows: set.rows };
    for (let from = 0; from < set.rows; from += EVAL_ROWS) {
      const rows = Math.min(EVAL_ROWS, set.rows - from);
      const batch: Batch = {
        x: set.x.subarray(from * set.features, (from + rows) * set.features),
        y: set.y.subarray(from, from + rows),
        rows,
      };
      const score = this.model.forward(batch, workspace);
      total.loss += score.loss;
      total.correct += score.correct;
    }
    return total;
  }

  /** True when one more step at this batch size would pass `maxExamples`: the trial can train no further. */
  private exhausted(batchSize: number): boolean {
    const max = this.options.maxExamples;
    return max !== undefined && this.progress.examples + batchSize > max;
  }

  private result(batchSize: number, stopped: boolean, endedBy?: SegmentEnd | false): SegmentResult {
    return { progress: { ...this.progress }, exhausted: this.exhausted(batchSize), stopped, ...(endedBy ? { endedBy } : {}) };
  }
}

/** The rate for a step that starts after `examples` examples: a linear ramp from `warmup.from` over the warmup. */
export function rateAt(examples: number, rate: number, warmup: Warmup | undefined): number {
  if (!warmup || examples >= warmup.examples) return rate;
  return warmup.from + (rate - warmup.from) * (examples / warmup.examples);
}
