/** Shared set-up for the tfjs trainer tests: options with the schema's defaults, small data, a report log. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { Params } from '../../../../core/params.ts';
import type { Report, SegmentResult, TrainerSession, TrainRequest } from '../../../../core/trainer.ts';
import { tfjsTrainer } from '../../../../plugins/trainers/tfjs/index.ts';
import type { TfjsOptions } from '../../../../plugins/trainers/tfjs/options.ts';
import type { Trainer } from '../../../../core/trainer.ts';

// eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed as always set, but Node before 20.11 has no import.meta.dirname
export const FIXTURES = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../../../fixtures/tfjs');

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: true });
const validate = ajv.compile(tfjsTrainer.schema);

/** Options as the engine would pass them: validated, defaults filled. */
export function withDefaults(options: Record<string, unknown>): TfjsOptions {
  const copy = structuredClone(options);
  if (!validate(copy)) throw new Error(ajv.errorsText(validate.errors));
  return copy as unknown as TfjsOptions;
}

/** A small, quick MNIST set-up on wasm. */
export function mnistOptions(extra: Record<string, unknown> = {}): TfjsOptions {
  return withDefaults({
    backend: 'wasm',
    model: { type: 'mlp', hidden: [32] },
    data: { type: 'mnist', train: 1000, validation: 300 },
    evalEvery: 1000,
    ...extra,
  });
}

export function createTrainer(options: TfjsOptions, env: { baseDir?: string; seed?: number } = {}): Required<Trainer> {
  return tfjsTrainer.create(options, { baseDir: env.baseDir ?? process.cwd(), seed: env.seed ?? 1 }) as Required<Trainer>;
}

export function params(batchSize: number, learningRate: number, extra: Record<string, number | string | boolean> = {}): Params {
  return { batchSize, learningRate, ...extra };
}

/** Trains one segment and returns its result with every report it made. */
export async function segment(
  session: TrainerSession,
  request: TrainRequest,
  verdict: (report: Report) => 'continue' | 'stop' = () => 'continue',
): Promise<{ result: SegmentResult; reports: Report[] }> {
  const reports: Report[] = [];
  const result = await session.train(request, (report) => {
    reports.push(report);
    return verdict(report);
  });
  return { result, reports };
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'batchtune-tfjs-'));
}

/** Prepares a trainer, trains one segment of a fresh trial with `seed`, disposes it, and returns its reports. */
export async function trainFresh(trainer: Trainer, seed: number, request: TrainRequest): Promise<Report[]> {
  await trainer.prepare();
  const session = await trainer.open({ trialId: 0, params: params(request.batchSize, request.learningRate), seed });
  try {
    return (await segment(session, request)).reports;
  } finally {
    await session.dispose();
  }
}
