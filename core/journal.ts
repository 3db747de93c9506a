import { createHash } from 'node:crypto';
import type { DataFileHash } from './data-files.ts';
import type { SegmentPlacement } from './executor.ts';
import type { Objective } from './objective.ts';
import type { Params } from './params.ts';
import type { ResourceUnit } from './resource.ts';
import type { Decision } from './strategy.ts';
import type { Report, SegmentResult, TrainRequest } from './trainer.ts';
import type { TrialState } from './trial.ts';
import type { SearchSummary } from './summary.ts';

/**
 * 2 added `tell` records (the order outcomes reached the strategy) and segment placements; 3 a checksum
 * on every line of a journal file (see journal-lines.ts) and the hashes of the data files in the header.
 */
export const JOURNAL_VERSION = 3;
/** Version 1 journals resume too: they come from the inline executor, whose order the engine recomputes. */
export const SUPPORTED_JOURNAL_VERSIONS: readonly number[] = [1, 2, 3];

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
      /** The files the config makes batchtune read, with their content hashes (version 3). */
      data?: DataFileHash[];
    }
  | { t: 'trainer'; info: Record<string, unknown> }
  | { t: 'decision'; n: number; decision: Decision }
  | { t: 'trialStart'; trialId: number; params: Params; seed: number; tag?: unknown }
  | { t: 'segmentStart'; trialId: number; seg: number }
  | { t: 'tell'; trialId: number; seg: number }
  | { t: 'report'; trialId: number; seg: number; report: Report }
  | {
      t: 'segmentEnd';
      trialId: number;
      seg: number;
      request: TrainRequest;
      result?: SegmentResult;
      error?: { state: 'failed' | 'infeasible'; message: string; batchSize?: number };
      placement?: SegmentPlacement;
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
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  // JSON.stringify(undefined) is undefined, whatever its type says.
  const text = JSON.stringify(value) as string | undefined;
  return text ?? 'null';
}
