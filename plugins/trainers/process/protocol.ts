/**
 * The process trainer's wire protocol: one JSON object per line, batchtune → script on stdin,
 * script → batchtune on stdout (stderr is the script's log). Every message has a `type`.
 * The README's "Process trainer" section documents it message by message.
 */
import type { Objective } from '../../../core/objective.ts';
import type { Params, Warmup } from '../../../core/params.ts';
import type { Limits, Progress } from '../../../core/resource.ts';
import type { SpaceConfig } from '../../../core/space.ts';
import type { Target } from '../../../core/target.ts';
import type { ResourceUnit } from '../../../core/resource.ts';

/** Bumped on any change a script could notice; a script that says another version is refused. */
export const PROTOCOL_VERSION = 1;

// batchtune → script
export interface DescribeMessage {
  type: 'describe';
  protocol: number;
}
export interface OpenMessage {
  type: 'open';
  protocol: number;
  trialId: number;
  params: Params;
  seed: number;
  /** A folder of this trial's own (its stderr log is there): checkpoints, plots. */
  trialDir: string;
  /** Present when the study measures the gradient noise scale. */
  noiseScale?: { every: number; microBatches: number };
}
export interface TrainMessage {
  type: 'train';
  /** 0 for the trial's first segment, then 1, 2, ... */
  segment: number;
  limits: Limits;
  target?: Target;
  batchSize: number;
  learningRate: number;
  warmup?: Warmup;
}
export type VerdictMessage = { type: 'continue' } | { type: 'stop' };
export interface CloseMessage {
  type: 'close';
}
export type OutgoingMessage = DescribeMessage | OpenMessage | TrainMessage | VerdictMessage | CloseMessage;

// script → batchtune
export interface HelloMessage {
  type: 'hello';
  protocol: number;
}
export interface ReadyMessage {
  type: 'ready';
}
export interface DescriptionMessage {
  type: 'description';
  objective?: Objective;
  maxResource?: Partial<Record<ResourceUnit, number>>;
  space?: SpaceConfig;
  info?: Record<string, unknown>;
}
export interface ReportMessage {
  type: 'report';
  progress: Progress;
  metrics: Record<string, number | null>;
  /** The rate the last step used (after warmup); batchtune computes it when left out. */
  learningRate?: number;
}
export interface GradientsMessage {
  type: 'gradients';
  microBatch: number;
  microSqNorms: number[];
  meanSqNorm: number;
}
export interface HeartbeatMessage {
  type: 'heartbeat';
}
export interface DoneMessage {
  type: 'done';
  progress: Progress;
  exhausted: boolean;
}
export interface ErrorMessage {
  type: 'error';
  message: string;
  infeasible: boolean;
}
export type IncomingMessage =
  HelloMessage | ReadyMessage | DescriptionMessage | ReportMessage | GradientsMessage | HeartbeatMessage | DoneMessage | ErrorMessage;

/** A line the script wrote that breaks the protocol; the message says which and why. */
export class ProtocolViolation extends Error {}

export function encode(message: OutgoingMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** Parses and checks one stdout line; throws `ProtocolViolation` naming the field and the value. */
export function decode(line: string): IncomingMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolViolation(
      `printed ${quote(line)} on stdout, which is not a protocol message (JSON); print logs to stderr (the Python helper redirects print() there)`,
    );
  }
  if (!isObject(value) || typeof value.type !== 'string')
    throw new ProtocolViolation(`sent ${quote(line)}: a message must be a JSON object with a "type"`);
  const m = value;
  switch (m.type) {
    case 'hello':
      return { type: 'hello', protocol: wholeNumber(m.protocol, 'hello.protocol') };
    case 'ready':
    case 'heartbeat':
      return { type: m.type };
    case 'description':
      return description(m);
    case 'report':
      return {
        type: 'report',
        progress: progress(m.progress, 'report.progress'),
        metrics: metrics(m.metrics),
        ...(m.learningRate !== undefined && m.learningRate !== null ? { learningRate: finite(m.learningRate, 'report.learningRate') } : {}),
      };
    case 'gradients':
      return gradients(m);
    case 'done':
      if (m.exhausted !== undefined && typeof m.exhausted !== 'boolean')
        throw field('done.exhausted', 'must be true or false', m.exhausted);
      return { type: 'done', progress: progress(m.progress, 'done.progress'), exhausted: m.exhausted === true };
    case 'error':
      return {
        type: 'error',
        message: typeof m.message === 'string' && m.message ? m.message : '(no message)',
        infeasible: m.infeasible === true,
      };
    default:
      throw new ProtocolViolation(
        `sent a message of unknown type ${JSON.stringify(m.type)}; known: hello, ready, description, report, gradients, heartbeat, done, error`,
      );
  }
}

function description(m: Record<string, unknown>): DescriptionMessage {
  const out: DescriptionMessage = { type: 'description' };
  if (m.objective !== undefined && m.objective !== null) {
    const o = m.objective;
    if (!isObject(o) || typeof o.metric !== 'string' || !o.metric || (o.mode !== undefined && o.mode !== 'min' && o.mode !== 'max')) {
      throw field('description.objective', 'must be {"metric": <name>, "mode": "min" | "max"}', o);
    }
    out.objective = { metric: o.metric, mode: o.mode ?? 'max' };
  }
  if (m.maxResource !== undefined && m.maxResource !== null) {
    if (!isObject(m.maxResource))
      throw field('description.maxResource', 'must be an object of units (examples, steps, seconds) to numbers > 0', m.maxResource);
    const max: Partial<Record<ResourceUnit, number>> = {};
    for (const [unit, v] of Object.entries(m.maxResource)) {
      if (unit !== 'examples' && unit !== 'steps' && unit !== 'seconds')
        throw field(`description.maxResource.${unit}`, 'is not a unit; use examples, steps or seconds', v);
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
        throw field(`description.maxResource.${unit}`, 'must be a number > 0', v);
      max[unit] = v;
    }
    out.maxResource = max;
  }
  if (m.space !== undefined && m.space !== null) {
    if (!isObject(m.space)) throw field('description.space', 'must be a space object, as in a config', m.space);
    out.space = m.space;
  }
  if (m.info !== undefined && m.info !== null) {
    if (!isObject(m.info)) throw field('description.info', 'must be an object', m.info);
    out.info = m.info;
  }
  return out;
}

function gradients(m: Record<string, unknown>): GradientsMessage {
  const microBatch = m.microBatch;
  if (typeof microBatch !== 'number' || !Number.isInteger(microBatch) || microBatch < 1)
    throw field('gradients.microBatch', 'must be a whole number >= 1', microBatch);
  if (!Array.isArray(m.microSqNorms) || m.microSqNorms.length < 2)
    throw field('gradients.microSqNorms', 'must be a list of at least 2 squared norms', m.microSqNorms);
  const microSqNorms = m.microSqNorms.map((v, i) => nonNegative(v, `gradients.microSqNorms[${i}]`));
  return { type: 'gradients', microBatch, microSqNorms, meanSqNorm: nonNegative(m.meanSqNorm, 'gradients.meanSqNorm') };
}

function progress(value: unknown, path: string): Progress {
  if (!isObject(value)) throw field(path, 'must be {"examples": n, "steps": n, "seconds": s}', value);
  return {
    examples: nonNegative(value.examples, `${path}.examples`),
    steps: nonNegative(value.steps, `${path}.steps`),
    seconds: nonNegative(value.seconds, `${path}.seconds`),
  };
}

function metrics(value: unknown): Record<string, number | null> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw field('report.metrics', 'must be an object of names to numbers (null for not finite)', value);
  for (const [name, v] of Object.entries(value)) {
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v)))
      throw field(`report.metrics.${name}`, 'must be a finite number, or null when the value is not finite', v);
  }
  return value as Record<string, number | null>;
}

function nonNegative(value: unknown, path: string): number {
  const v = finite(value, path);
  if (v < 0) throw field(path, 'must be >= 0', value);
  return v;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw field(path, 'must be a finite number', value);
  return value;
}

function wholeNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw field(path, 'must be a whole number', value);
  return value;
}

/** `value` was parsed from a JSON line, so JSON.stringify gives it back as text. */
function field(path: string, problem: string, value: unknown): ProtocolViolation {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return new ProtocolViolation(`sent ${path} = ${text.length > 80 ? `${text.slice(0, 77)}...` : text}: it ${problem}`);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
