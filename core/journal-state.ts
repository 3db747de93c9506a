import { changedDataFile, type DataFileHash } from './data-files.ts';
import { BatchtuneError } from './errors.ts';
import { JOURNAL_VERSION, SUPPORTED_JOURNAL_VERSIONS, type JournalRecord, type RecordedSegment } from './journal.ts';
import { score } from './objective.ts';
import { ZERO_PROGRESS } from './resource.ts';
import type { Decision } from './strategy.ts';
import type { SearchSummary, TrialSummary } from './summary.ts';
import type { Report } from './trainer.ts';

/** A trial as read back from a journal, with every report it made. */
export interface JournalTrial extends TrialSummary {
  reports: Report[];
}

/** One step of the search's conversation with its strategy, in the order it happened. */
export type JournalEvent = { kind: 'decision'; n: number } | { kind: 'tell'; trialId: number; seg: number };

/**
 * Everything a journal says, built by one pass over its records (the one reducer): the engine resumes
 * from it, and `show`, `report` and the API read trials from it. Reports of a segment that a crash or a
 * lost worker cut short are left out: a segment that starts again starts its reports afresh.
 */
export interface JournalView {
  header?: Extract<JournalRecord, { t: 'header' }>;
  trainerInfo: Record<string, unknown>;
  trials: JournalTrial[];
  /** The summary of the last run that finished, if one did. */
  summary?: SearchSummary;
  pluginErrors: Array<Extract<JournalRecord, { t: 'pluginError' }>>;
  /** Every recorded decision, by its number. */
  decisions: Decision[];
  /** Decisions and tells in journal order; a journal of version 1 has no tells. */
  events: JournalEvent[];
  /** Finished segments by `trialId:seg`. */
  segments: Map<string, RecordedSegment>;
  startedTrials: Set<number>;
  endedTrials: Set<number>;
  /** Records read. */
  records: number;
  /** Segments started and not ended: what was in flight when the journal stops (a crash, a kill, a search still running). */
  openSegments: Array<{ trialId: number; seg: number }>;
  /** The last record: where an unfinished journal stops. */
  last?: { t: JournalRecord['t']; trialId?: number; seg?: number };
}

export function segmentKey(trialId: number, seg: number): string {
  return `${trialId}:${seg}`;
}

export function viewJournal(records: readonly JournalRecord[]): JournalView {
  const view: JournalView = {
    trainerInfo: {},
    trials: [],
    pluginErrors: [],
    decisions: [],
    events: [],
    segments: new Map(),
    startedTrials: new Set(),
    endedTrials: new Set(),
    records: records.length,
    openSegments: [],
  };
  const trials = new Map<number, JournalTrial>();
  const pending = new Map<string, Report[]>();
  for (const record of records) {
    switch (record.t) {
      case 'header':
        view.header ??= record;
        break;
      case 'trainer':
        view.trainerInfo = record.info;
        break;
      case 'decision':
        view.decisions[record.n] = record.decision;
        view.events.push({ kind: 'decision', n: record.n });
        break;
      case 'tell':
        view.events.push({ kind: 'tell', trialId: record.trialId, seg: record.seg });
        break;
      case 'trialStart':
        view.startedTrials.add(record.trialId);
        trials.set(record.trialId, newTrial(record));
        break;
      case 'segmentStart':
        pending.set(segmentKey(record.trialId, record.seg), []);
        break;
      case 'report':
        pending.get(segmentKey(record.trialId, record.seg))?.push(record.report);
        break;
      case 'segmentEnd': {
        const key = segmentKey(record.trialId, record.seg);
        const reports = pending.get(key) ?? [];
        pending.delete(key);
        view.segments.set(key, { reports, end: record });
        const trial = trials.get(record.trialId);
        if (trial) applySegment(trial, reports, record, view.header);
        break;
      }
      case 'trialEnd': {
        view.endedTrials.add(record.trialId);
        const trial = trials.get(record.trialId);
        if (trial) {
          trial.state = record.state;
          if (record.reason) trial.reason = record.reason;
        }
        break;
      }
      case 'pluginError':
        view.pluginErrors.push(record);
        break;
      case 'searchEnd':
        view.summary = record.summary;
        break;
    }
  }
  view.trials = [...trials.values()].sort((a, b) => a.trialId - b.trialId);
  view.openSegments = [...pending.keys()].map((key) => {
    const [trialId, seg] = key.split(':').map(Number);
    if (trialId === undefined || seg === undefined) throw new Error(`open segment key ${JSON.stringify(key)} is not "trialId:seg"`);
    return { trialId, seg };
  });
  // A trial whose segment never ended was training when the journal stopped.
  for (const { trialId } of view.openSegments) {
    const trial = trials.get(trialId);
    if (trial && trial.state === 'paused') trial.state = 'running';
  }
  const last = records[records.length - 1];
  if (last)
    view.last = {
      t: last.t,
      ...('trialId' in last ? { trialId: last.trialId } : {}),
      ...('seg' in last ? { seg: last.seg } : {}),
    };
  return view;
}

function newTrial(record: Extract<JournalRecord, { t: 'trialStart' }>): JournalTrial {
  return {
    trialId: record.trialId,
    params: record.params,
    state: 'paused',
    value: null,
    resource: 0,
    progress: ZERO_PROGRESS,
    metrics: {},
    batchSize: record.params.batchSize,
    learningRate: record.params.learningRate,
    segments: [],
    reports: [],
    ...(record.tag !== undefined ? { tag: record.tag } : {}),
  };
}

function applySegment(
  trial: JournalTrial,
  reports: Report[],
  end: Extract<JournalRecord, { t: 'segmentEnd' }>,
  header: JournalView['header'],
): void {
  const unit = header?.resourceUnit ?? 'examples';
  trial.reports.push(...reports);
  const last = trial.reports[trial.reports.length - 1];
  if (last) {
    trial.progress = last.progress;
    trial.resource = last.progress[unit];
    trial.metrics = last.metrics;
    trial.batchSize = last.batchSize;
    trial.learningRate = last.learningRate;
    const metric = header?.objective.metric;
    const value = metric ? last.metrics[metric] : undefined;
    trial.value = value === undefined || score(value, 'max') === -Infinity ? null : value;
  }
  const target = end.request.target?.value;
  trial.segments.push({
    target: target ?? trial.resource,
    reached: trial.resource,
    ...(end.placement ? { sharedWith: end.placement.sharedWith } : {}),
  });
}

/**
 * Refuses a journal written by another config, by a version of batchtune this one cannot resume, or
 * on data files whose content changed since (`data`: the files' hashes now; journals before version 3
 * recorded none).
 */
export function assertResumable(view: JournalView, hash: string, path: string, data: readonly DataFileHash[] = []): void {
  const header = view.header;
  if (!header) return;
  if (!SUPPORTED_JOURNAL_VERSIONS.includes(header.version)) {
    throw new BatchtuneError(
      'JOURNAL_MISMATCH',
      `${path}: journal version ${header.version} is not supported (expected ${JOURNAL_VERSION})`,
    );
  }
  if (header.configHash !== hash) {
    throw new BatchtuneError(
      'JOURNAL_MISMATCH',
      `${path}: this journal was written by another config (hash ${header.configHash}, this config ${hash}); resume it with the config (and --seed) that started it, or use a new --journal`,
    );
  }
  const changed = changedDataFile(header.data ?? [], data);
  if (changed) {
    const now = changed.now ? `sha256 ${changed.now.sha256.slice(0, 12)}, ${changed.now.bytes} bytes now` : 'not read by this config now';
    throw new BatchtuneError(
      'JOURNAL_MISMATCH',
      `${path}: data file ${changed.then.file} changed since this journal was started (sha256 ${changed.then.sha256.slice(0, 12)}, ${changed.then.bytes} bytes then; ${now}); resume with the data it started with, or use a new --journal`,
    );
  }
}
