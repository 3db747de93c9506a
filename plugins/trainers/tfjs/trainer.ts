/**
 * The tfjs trainer: prepares what every trial shares (backend, data) once, then opens one session
 * per trial with a model and optimizer seeded from the trial seed.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainerContext } from '../../../core/plugin.ts';
import type { Trainer, TrainerDescription, TrialHandle } from '../../../core/trainer.ts';
import { ensureBackend, holdBackend, releaseBackend, type BackendChoice } from './backend.ts';
import { loadDataset, type Dataset } from './data/dataset.ts';
import { buildModel, parameterCount, type ModelContext } from './model.ts';
import { createOptimizer } from './optimizer.ts';
import { installWasmKernels } from './wasm-kernels.ts';
import { requestWasmThreads, wasmThreadsInfo } from './wasm-threads.ts';
import { webGpuAdapter } from './webgpu.ts';
import type { TfjsOptions } from './options.ts';
import { recoverBackend } from './memory.ts';
import { TfjsSession } from './session.ts';

export class TfjsTrainer implements Trainer {
  private prepared?: Promise<TrainerDescription> | undefined;
  private data?: Dataset | undefined;
  private backend?: BackendChoice | undefined;

  constructor(
    private readonly options: TfjsOptions,
    private readonly context: TrainerContext,
  ) {}

  prepare(): Promise<TrainerDescription> {
    this.prepared ??= this.load();
    return this.prepared;
  }

  async open(trial: TrialHandle): Promise<TfjsSession> {
    await this.prepare();
    // A trial that ran out of memory left the wasm heap unusable: start this one on a fresh one.
    await recoverBackend();
    await ensureBackend(this.options.backend);
    const data = this.data;
    if (!data) throw new Error('the tfjs trainer was closed while a trial was opening');
    const built = await buildModel(this.options.model, trial.params, this.modelContext(data, trial.seed), this.context.baseDir);
    try {
      const optimizer = createOptimizer(this.options.optimizer, trial.params, trial.params.learningRate);
      return new TfjsSession(
        { data, evalEvery: this.options.evalEvery, maxExamples: this.maxExamples(data), noiseScale: this.options.noiseScale },
        built,
        optimizer,
        trial.seed,
      );
    } catch (error) {
      built.model.dispose();
      throw error;
    }
  }

  /** A session where a checkpoint left its trial: built from the trial's seed, then given the saved state. */
  async restore(trial: TrialHandle, checkpoint: Uint8Array): Promise<TfjsSession> {
    const session = await this.open(trial);
    try {
      await session.restore(checkpoint);
    } catch (error) {
      session.dispose();
      throw error;
    }
    return session;
  }

  close(): void {
    this.data = undefined;
    this.prepared = undefined;
    releaseBackend(this.backend);
    this.backend = undefined;
  }

  private async load(): Promise<TrainerDescription> {
    requestWasmThreads(this.options.wasmThreads ?? 'auto');
    this.backend = await ensureBackend(this.options.backend);
    holdBackend(this.backend);
    try {
      // Inside the try: a failure closes the trainer, which releases the backend (WebGPU would keep the process alive).
      const data = await loadDataset(this.options.data, this.options.task, this.context.baseDir, this.context.seed);
      this.data = data;
      // Build one model up front: a broken model config fails here, before any trial starts.
      const probe = await buildModel(
        this.options.model,
        { batchSize: 1, learningRate: 0 },
        this.modelContext(data, 0),
        this.context.baseDir,
      );
      const parameters = parameterCount(probe.model);
      probe.model.dispose();
      const maxExamples = this.maxExamples(data);
      return {
        objective: this.options.task === 'classification' ? { metric: 'val_acc', mode: 'max' } : { metric: 'val_loss', mode: 'min' },
        ...(maxExamples !== undefined ? { maxResource: { examples: maxExamples } } : {}),
        info: {
          backend: this.backend.backend,
          backendReason: this.backend.reason,
          ...backendDetails(this.backend),
          tfjsVersion: tf.version.tfjs,
          task: this.options.task,
          model: { ...this.options.model, parameters },
          optimizer: this.options.optimizer,
          data: {
            source: data.source,
            train: data.train.rows,
            validation: data.validation.rows,
            ...(data.test ? { test: data.test.rows } : {}),
            shape: data.shape,
            ...(data.classes ? { classes: data.classes } : { targets: data.outputs }),
          },
          evalEvery: this.options.evalEvery,
          ...(this.options.noiseScale ? { noiseScale: this.options.noiseScale } : {}),
        },
      };
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private maxExamples(data: Dataset): number | undefined {
    return this.options.maxEpochs === undefined ? undefined : Math.floor(this.options.maxEpochs * data.train.rows);
  }

  private modelContext(data: Dataset, seed: number): ModelContext {
    return { shape: data.shape, features: data.features, outputs: data.outputs, task: this.options.task, seed };
  }
}

function backendDetails(choice: BackendChoice): Record<string, unknown> {
  if (choice.backend === 'webgpu') return { webgpuAdapter: webGpuAdapter() };
  if (choice.backend !== 'wasm') return {};
  return {
    wasmSimd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    wasmThreads: wasmThreadsInfo(),
    wasmKernels: installWasmKernels(),
  };
}
