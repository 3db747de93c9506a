/**
 * Nothing a plugin returns is trusted: decisions, reports, segment results and the strategy's best are
 * checked here, before the engine uses or journals them. A violation is one line naming the plugin, the
 * hook and the field, with the value and what is allowed.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { BatchtuneError, showValue } from './errors.ts';
import type { Progress } from './resource.ts';
import type { Decision } from './strategy.ts';
import type { Report, SegmentResult, TrainRequest } from './trainer.ts';
import { formatAjvErrors } from './validate.ts';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });

const finite = { type: 'number', minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE };
const nonNegative = { type: 'number', minimum: 0, maximum: Number.MAX_VALUE };
const positive = { type: 'number', exclusiveMinimum: 0, maximum: Number.MAX_VALUE };
const batchSize = { type: 'integer', minimum: 1 };
const settings = { type: 'object', additionalProperties: false, properties: { batchSize, learningRate: nonNegative } };
const params = {
  type: 'object',
  required: ['batchSize', 'learningRate'],
  properties: { batchSize, learningRate: nonNegative },
  additionalProperties: { type: ['number', 'string', 'boolean'] },
};

const decisionSchema = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { enum: ['start', 'continue', 'stop', 'wait', 'done'] } },
  allOf: [
    {
      if: { properties: { kind: { const: 'start' } } },
      then: {
        required: ['params', 'resource'],
        properties: { params, resource: positive, settings, seed: { type: 'integer', minimum: 0 }, final: { type: 'boolean' } },
      },
    },
    {
      if: { properties: { kind: { const: 'continue' } } },
      then: {
        required: ['trialId', 'resource'],
        properties: { trialId: { type: 'integer', minimum: 0 }, resource: positive, settings, final: { type: 'boolean' } },
      },
    },
    {
      if: { properties: { kind: { const: 'stop' } } },
      then: { required: ['trialId'], properties: { trialId: { type: 'integer', minimum: 0 }, reason: { type: 'string' } } },
    },
  ],
};

const progressSchema = {
  type: 'object',
  required: ['examples', 'steps', 'seconds'],
  properties: { examples: nonNegative, steps: nonNegative, seconds: nonNegative },
};

const reportSchema = {
  type: 'object',
  required: ['progress', 'metrics', 'batchSize', 'learningRate'],
  properties: {
    progress: progressSchema,
    // A metric is a number or null (diverged); NaN and ±Infinity arrive here as null (see `normalizeReport`).
    metrics: { type: 'object', additionalProperties: { anyOf: [finite, { type: 'null' }] } },
    batchSize,
    learningRate: nonNegative,
  },
};

const resultSchema = {
  type: 'object',
  required: ['progress', 'exhausted', 'stopped'],
  properties: {
    progress: progressSchema,
    exhausted: { type: 'boolean' },
    stopped: { type: 'boolean' },
    endedBy: { enum: ['target', 'limits'] },
  },
};

const validateDecision = ajv.compile(decisionSchema);
const validateReport = ajv.compile(reportSchema);
const validateResult = ajv.compile(resultSchema);

function check(validate: ValidateFunction, value: unknown, plugin: string, hook: string, what: string): object {
  if (value === null || typeof value !== 'object') throw violation(plugin, hook, `${what}: must be an object (got ${showValue(value)})`);
  if (!validate(value)) throw violation(plugin, hook, formatAjvErrors(validate.errors ?? [], what).message);
  return value;
}

/** A plugin broke its contract: the message names it, the hook and the field. */
function violation(plugin: string, hook: string, problem: string): BatchtuneError {
  return new BatchtuneError('PLUGIN_CONTRACT', `${plugin} returned an invalid value from ${hook}: ${problem}`);
}

export function checkDecision(value: unknown, strategy: string): Decision {
  return check(validateDecision, value, strategy, 'ask', 'decision') as Decision;
}

/** Metrics that are not finite become null (the documented meaning: diverged), before the schema check. */
function normalizeReport(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const report = value as { metrics?: unknown };
  if (!report.metrics || typeof report.metrics !== 'object') return value;
  const metrics: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(report.metrics)) metrics[name] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return { ...report, metrics };
}

/**
 * A report, checked against the schema and against the trial's history: progress never goes back,
 * never crosses the request's hard caps, and the examples it claims fit the steps it took at the
 * segment's batch size (a trainer that over-reports progress would overspend the budget unseen).
 */
export function checkReport(value: unknown, trainer: string, previous: Progress, request: TrainRequest): Report {
  const report = check(validateReport, normalizeReport(value), trainer, 'train', 'report') as Report;
  checkProgress(report.progress, trainer, 'report.progress', previous, request);
  return report;
}

export function checkResult(value: unknown, trainer: string, previous: Progress, request: TrainRequest): SegmentResult {
  const result = check(validateResult, value, trainer, 'train', 'result') as SegmentResult;
  checkProgress(result.progress, trainer, 'result.progress', previous, request);
  return result;
}

function checkProgress(progress: Progress, trainer: string, field: string, previous: Progress, request: TrainRequest): void {
  // Seconds are measured, not counted: a session that caught up by re-training elsewhere has its own clock.
  for (const unit of ['examples', 'steps'] as const) {
    if (progress[unit] < previous[unit]) {
      throw violation(trainer, 'train', `${field}.${unit}: must not go back (got ${progress[unit]} after ${previous[unit]})`);
    }
  }
  for (const unit of ['examples', 'steps'] as const) {
    const cap = request.limits[unit];
    if (cap !== undefined && progress[unit] > cap)
      throw violation(trainer, 'train', `${field}.${unit}: must stay within the budget's cap ${cap} (got ${progress[unit]})`);
  }
  const examples = progress.examples - previous.examples;
  const steps = progress.steps - previous.steps;
  // At most one batch per step, give or take one batch (recordings round examples to a report grid;
  // a last, smaller batch of an epoch is fine), and at least one example per step.
  const most = (steps + 1) * request.batchSize;
  if (examples > most || (steps > 0 && examples < steps)) {
    throw violation(
      trainer,
      'train',
      `${field}: ${examples} examples in ${steps} steps do not fit batch size ${request.batchSize} (at most ${most}, at least ${steps})`,
    );
  }
}

/** The strategy's best: a trial that exists, or nothing. */
export function checkBest(value: unknown, strategy: string, trials: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= trials) {
    throw violation(strategy, 'best', `must be the id of a trial (0 to ${trials - 1}) or undefined (got ${showValue(value)})`);
  }
  return value as number;
}
