import { createHash } from 'node:crypto';
import { BatchtuneError } from './errors.ts';
import type { Objective } from './objective.ts';
import type { Params } from './params.ts';
import type { ResourceUnit } from './resource.ts';
import type { Decision } from './strategy.ts';
import type { Report, SegmentResult, TrainRequest } from './trainer.ts';
import type { TrialState } from './trial.ts';
import type { SearchSummary } from './summary.ts';

export const JOURNAL_VERSION = 1;

/** One line of a study journal. Every decision and report is written before the engine acts on it. */
export type JournalRecord =
  | {
      t: 'header';
      version: number;
      configHash: string;
      seed: number;
      strategy: string;
      trainer: string;
      objective: Objective;
      resourceUnit: ResourceUnit;
      createdAt: string;
      config: unknown;
    }
  | { t: 'trainer'; info: Record<string, unknown> }
  | { t: 'decision'; n: number; decision: Decision }
  | { t: 'trialStart'; trialId: number; params: Params; seed: number; tag?: unknown }
  | { t: 'segmentStart'; trialId: number; seg: number }
  | { t: 'report'; trialId: number; seg: number; report: Report }
  | {
      t: 'segmentEnd';
      trialId: number;
      seg: number;
      request: TrainRequest;
      result?: SegmentResult;
      error?: { state: 'failed' | 'infeasible'; message: string; batchSize?: number };
    }
  | { t: 'trialEnd'; trialId: number; state: TrialState; reason?: string }
  | { t: 'pluginError'; plugin: string; hook: string; message: string; trialId?: number }
  | { t: 'searchEnd'; summary: SearchSummary };

/** A segment as the journal holds it: its reports and how it ended. */
export interface RecordedSegment {
  reports: Report[];
  end: Extract<JournalRecord, { t: 'segmentEnd' }>;
}

/** Stable hash of a resolved config: a journal only resumes the config that wrote it. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as any)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What a journal recorded, indexed for replay. On `--resume` the engine runs the search again from
 * the start with the same seed; decisions are checked against the recorded ones and every recorded
 * segment is replayed instead of trained, so only the unfinished work runs for real.
 */
export class JournalReplay {
  readonly header: Extract<JournalRecord, { t: 'header' }> | undefined;
  readonly decisions: Decision[] = [];
  private readonly segments = new Map<string, RecordedSegment>();
  /** Trials whose start and end records are already written. */
  readonly startedTrials = new Set<number>();
  readonly endedTrials = new Set<number>();

  constructor(records: readonly JournalRecord[]) {
    this.header = records.find((r): r is Extract<JournalRecord, { t: 'header' }> => r.t === 'header');
    const pending = new Map<string, Report[]>();
    for (const record of records) {
      if (record.t === 'decision') this.decisions[record.n] = record.decision;
      if (record.t === 'trialStart') this.startedTrials.add(record.trialId);
      if (record.t === 'trialEnd') this.endedTrials.add(record.trialId);
      // A segment run again after a crash starts its reports afresh.
      if (record.t === 'segmentStart') pending.set(`${record.trialId}:${record.seg}`, []);
      if (record.t === 'report') pending.get(`${record.trialId}:${record.seg}`)?.push(record.report);
      if (record.t === 'segmentEnd') {
        const key = `${record.trialId}:${record.seg}`;
        this.segments.set(key, { reports: pending.get(key) ?? [], end: record });
        pending.delete(key);
      }
    }
    // Reports left in `pending` belong to a segment cut short by a crash: that segment reruns.
  }

  get isEmpty(): boolean {
    return this.header === undefined;
  }

  segment(trialId: number, seg: number): RecordedSegment | undefined {
    return this.segments.get(`${trialId}:${seg}`);
  }

  /** Refuses a journal written by another config, or by another version of batchtune. */
  assertCompatible(hash: string, path: string): void {
    if (!this.header) return;
    if (this.header.version !== JOURNAL_VERSION) {
      throw new BatchtuneError('JOURNAL_MISMATCH', `${path}: journal version ${this.header.version} is not supported (expected ${JOURNAL_VERSION})`);
    }
    if (this.header.configHash !== hash) {
      throw new BatchtuneError(
        'JOURNAL_MISMATCH',
        `${path}: this journal was written by another config (hash ${this.header.configHash}, this config ${hash}); resume it with the config (and --seed) that started it, or use a new --journal`,
      );
    }
  }
}
