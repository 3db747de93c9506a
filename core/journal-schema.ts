import { Ajv, type ValidateFunction } from 'ajv';
import { BatchtuneError, didYouMean } from './errors.ts';
import type { JournalRecord } from './journal.ts';
import type { SegmentPlacement } from './executor.ts';
import type { Objective } from './objective.ts';
import type { Decision, SegmentSettings } from './strategy.ts';
import type { Report, SegmentResult, TrainRequest } from './trainer.ts';
import { formatAjvErrors } from './validate.ts';

/**
 * A JSON Schema for every journal record type, checked when a journal is read: a record that parses
 * but is not what the engine writes (a damaged type, a report without metrics, a progress that is not a
 * number) is refused instead of silently changing what the journal says.
 *
 * The schemas are tied to the TypeScript types in `journal.ts`: `shape<T>` must name every key of `T`, and
 * `RECORD_SCHEMAS` one schema per record type, so a field or record type added there and not here fails
 * the type check. Records are closed (the engine writes them); what plugins hand over (reports,
 * decisions, trainer info) may carry more keys than batchtune reads.
 */
type Schema = Record<string, unknown> | boolean;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type RecordOf<K extends JournalRecord['t']> = Extract<JournalRecord, { t: K }>;

function shape<T>(properties: { [K in keyof T]-?: Schema }, required: ReadonlyArray<RequiredKeys<T>>, closed = false): Schema {
  return { type: 'object', properties, required, additionalProperties: !closed };
}

const number = { type: 'number' };
const count = { type: 'integer', minimum: 0 };
const text = { type: 'string' };
const positive = { type: 'number', exclusiveMinimum: 0 };
const batchSize = { type: 'integer', minimum: 1 };
const unit = { enum: ['examples', 'steps', 'seconds'] };
const trialState = { enum: ['pending', 'running', 'paused', 'completed', 'stopped', 'pruned', 'failed', 'infeasible'] };
const nonNegative = { type: 'number', minimum: 0 };

const progressSchema = {
  type: 'object',
  required: ['examples', 'steps', 'seconds'],
  properties: { examples: nonNegative, steps: nonNegative, seconds: nonNegative },
};
const metricsSchema = { type: 'object', additionalProperties: { type: ['number', 'null'] } };
const params = {
  type: 'object',
  required: ['batchSize', 'learningRate'],
  properties: { batchSize, learningRate: number },
  additionalProperties: { type: ['number', 'string', 'boolean'] },
};

const reportSchema = shape<Report>({ progress: progressSchema, metrics: metricsSchema, batchSize, learningRate: number }, [
  'progress',
  'metrics',
  'batchSize',
  'learningRate',
]);

const settings = shape<SegmentSettings>({ batchSize, learningRate: positive }, []);
const final = { type: 'boolean' };
type DecisionOf<K extends Decision['kind']> = Extract<Decision, { kind: K }>;
const decisionSchema = tagged('kind', {
  start: shape<DecisionOf<'start'>>({ kind: true, params, resource: nonNegative, tag: true, settings, seed: count, final }, [
    'kind',
    'params',
    'resource',
  ]),
  continue: shape<DecisionOf<'continue'>>({ kind: true, trialId: count, resource: nonNegative, settings, final }, [
    'kind',
    'trialId',
    'resource',
  ]),
  stop: shape<DecisionOf<'stop'>>({ kind: true, trialId: count, reason: text }, ['kind', 'trialId']),
  wait: shape<DecisionOf<'wait'>>({ kind: true }, ['kind']),
  done: shape<DecisionOf<'done'>>({ kind: true }, ['kind']),
} satisfies { [K in Decision['kind']]: Schema });

/** A union tagged by `key`: an unknown tag is named as such, a known one is checked against its variant. */
function tagged(key: string, variants: Record<string, Schema>): Schema {
  return {
    type: 'object',
    required: [key],
    properties: { [key]: { enum: Object.keys(variants) } },
    allOf: Object.entries(variants).map(([tag, schema]) => ({ if: { properties: { [key]: { const: tag } } }, then: schema })),
  };
}

const request = shape<TrainRequest>(
  {
    limits: {
      type: 'object',
      properties: { examples: nonNegative, steps: nonNegative, seconds: nonNegative },
      additionalProperties: false,
    },
    target: { type: 'object', required: ['unit', 'value'], properties: { unit, value: nonNegative } },
    batchSize,
    learningRate: number,
    warmup: { type: 'object', required: ['examples', 'from'], properties: { examples: nonNegative, from: number } },
  },
  ['limits', 'batchSize', 'learningRate'],
);
const result = shape<SegmentResult>(
  { progress: progressSchema, exhausted: { type: 'boolean' }, stopped: { type: 'boolean' }, endedBy: { enum: ['target', 'limits'] } },
  ['progress', 'exhausted', 'stopped'],
);
const placement = shape<SegmentPlacement>({ host: text, worker: text, sharedWith: count }, ['host', 'worker', 'sharedWith']);
const objective = shape<Objective>({ metric: { type: 'string', minLength: 1 }, mode: { enum: ['min', 'max'] } }, ['metric', 'mode']);
const dataFile = {
  type: 'object',
  required: ['file', 'sha256', 'bytes'],
  properties: { file: text, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, bytes: count },
};
const summary = {
  type: 'object',
  required: ['best', 'trials', 'budget', 'objective'],
  properties: {
    best: { type: ['object', 'null'], required: ['trialId'], properties: { trialId: count } },
    trials: {
      type: 'array',
      items: { type: 'object', required: ['trialId', 'params', 'state'], properties: { trialId: count, params, state: trialState } },
    },
    budget: { type: 'object', required: ['unit', 'limit', 'spent'], properties: { limit: number, spent: number } },
    objective,
  },
};

const trialId = count;
const seg = count;
const RECORD_SCHEMAS: { [K in JournalRecord['t']]: Schema } = {
  header: shape<RecordOf<'header'>>(
    {
      t: { const: 'header' },
      version: { type: 'integer', minimum: 1 },
      configHash: text,
      seed: count,
      strategy: text,
      trainer: text,
      objective,
      resourceUnit: unit,
      createdAt: text,
      config: { type: 'object' },
      data: { type: 'array', items: dataFile },
    },
    ['t', 'version', 'configHash', 'seed', 'strategy', 'trainer', 'objective', 'resourceUnit', 'createdAt', 'config'],
    true,
  ),
  trainer: shape<RecordOf<'trainer'>>({ t: { const: 'trainer' }, info: { type: 'object' } }, ['t', 'info'], true),
  decision: shape<RecordOf<'decision'>>({ t: { const: 'decision' }, n: count, decision: decisionSchema }, ['t', 'n', 'decision'], true),
  trialStart: shape<RecordOf<'trialStart'>>(
    { t: { const: 'trialStart' }, trialId, params, seed: count, tag: true },
    ['t', 'trialId', 'params', 'seed'],
    true,
  ),
  segmentStart: shape<RecordOf<'segmentStart'>>({ t: { const: 'segmentStart' }, trialId, seg }, ['t', 'trialId', 'seg'], true),
  tell: shape<RecordOf<'tell'>>({ t: { const: 'tell' }, trialId, seg }, ['t', 'trialId', 'seg'], true),
  report: shape<RecordOf<'report'>>(
    { t: { const: 'report' }, trialId, seg, report: reportSchema },
    ['t', 'trialId', 'seg', 'report'],
    true,
  ),
  segmentEnd: shape<RecordOf<'segmentEnd'>>(
    {
      t: { const: 'segmentEnd' },
      trialId,
      seg,
      request,
      result,
      error: {
        type: 'object',
        required: ['state', 'message'],
        properties: { state: { enum: ['failed', 'infeasible'] }, message: text, batchSize },
      },
      placement,
    },
    ['t', 'trialId', 'seg', 'request'],
    true,
  ),
  trialEnd: shape<RecordOf<'trialEnd'>>(
    { t: { const: 'trialEnd' }, trialId, state: trialState, reason: text },
    ['t', 'trialId', 'state'],
    true,
  ),
  pluginError: shape<RecordOf<'pluginError'>>(
    { t: { const: 'pluginError' }, plugin: text, hook: text, message: text, trialId },
    ['t', 'plugin', 'hook', 'message'],
    true,
  ),
  searchEnd: shape<RecordOf<'searchEnd'>>({ t: { const: 'searchEnd' }, summary }, ['t', 'summary'], true),
};

export const RECORD_TYPES = Object.keys(RECORD_SCHEMAS) as Array<JournalRecord['t']>;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(type: JournalRecord['t']): ValidateFunction {
  let validate = compiled.get(type);
  if (!validate) {
    validate = ajv.compile(RECORD_SCHEMAS[type] as object);
    compiled.set(type, validate);
  }
  return validate;
}

/**
 * What is wrong with the record at `index` (0-based) of a journal, in one phrase; undefined when it is
 * valid there. A journal starts with its header and has only one: a second header means two searches wrote it.
 */
export function journalRecordProblem(record: unknown, index: number): string | undefined {
  const problem = recordProblem(record);
  if (problem) return problem;
  const type = (record as { t: string }).t;
  if (index === 0 && type !== 'header') return `the first record is a ${type} record, not a header; not a batchtune journal`;
  if (index > 0 && type === 'header') return 'a second header: two searches wrote this journal';
  return undefined;
}

/** Checks the records of a journal that is not a file (a store of the user's); `name` says where they came from. */
export function assertJournalRecords(records: readonly unknown[], name: string): void {
  for (const [index, record] of records.entries()) {
    const problem = journalRecordProblem(record, index);
    if (problem) throw new BatchtuneError('JOURNAL_CORRUPT', `${name}: record ${index + 1}: ${problem}`);
  }
}

/** What is wrong with a parsed journal record, in one phrase; undefined when it is a valid record. */
export function recordProblem(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  const type = (record as { t?: unknown }).t;
  // JSON.stringify(undefined) is undefined, whatever its type says.
  const shown = JSON.stringify(type) as string | undefined;
  if (typeof type !== 'string') return `no record type ("t" is ${shown ?? 'missing'})`;
  if (!Object.hasOwn(RECORD_SCHEMAS, type)) {
    return `unknown record type ${JSON.stringify(type)}${didYouMean(type, RECORD_TYPES)}; known: ${RECORD_TYPES.join(', ')}`;
  }
  const validate = validatorFor(type as JournalRecord['t']);
  if (validate(record)) return undefined;
  return `${type} record: ${formatAjvErrors(validate.errors ?? [], '').message}`;
}
