import { randomBytes } from 'node:crypto';
import { DEFAULT_PREFIX } from './protocol.ts';

export interface RedisExecutorOptions {
  url: string;
  prefix: string;
  study?: string;
  slots: number;
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

/** BullMQ's own defaults for a lost worker: its lock lapses after 30 s, checked every 30 s, re-run once. */
export const redisExecutorSchema = {
  type: 'object',
  required: ['url'],
  properties: {
    url: { type: 'string', pattern: '^rediss?://', description: 'The Redis server the workers listen on (redis://host:port[/db]).' },
    prefix: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.:-]+$',
      default: DEFAULT_PREFIX,
      description: 'Key prefix shared with `batchtune worker --prefix`.',
    },
    study: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]+$',
      description: "This study's id, which names its queue; default: unique per run (host, process and a random tag).",
    },
    slots: { type: 'integer', minimum: 1, default: 4, description: 'Segments in flight at once, when the config sets no concurrency.' },
    lockDuration: {
      type: 'integer',
      minimum: 100,
      default: 30000,
      description: "Milliseconds a worker's hold on a segment lasts without renewal (BullMQ lockDuration).",
    },
    stalledInterval: {
      type: 'integer',
      minimum: 100,
      default: 30000,
      description: 'Milliseconds between checks for segments whose worker stopped renewing (BullMQ stalledInterval).',
    },
    maxStalledCount: {
      type: 'integer',
      minimum: 0,
      default: 1,
      description: 'Times a stalled segment is re-run before its trial fails (BullMQ maxStalledCount).',
    },
  },
} as const;

/** A study id unique to this run, readable in `redis-cli`: the host, the process and a random tag. */
export function newStudyId(host: string): string {
  return `${host.replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
