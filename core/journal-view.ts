import { score } from './objective.ts';
import type { JournalRecord } from './journal.ts';
import type { SearchSummary, TrialSummary } from './summary.ts';
import type { Report } from './trainer.ts';
import { ZERO_PROGRESS } from './resource.ts';

/** A trial as read back from a journal, with every report it made. */
export interface JournalTrial extends TrialSummary {
  reports: Report[];
}

export interface JournalView {
  header?: Extract<JournalRecord, { t: 'header' }>;
  trainerInfo: Record<string, unknown>;
  trials: JournalTrial[];
  /** The summary of the last run that finished, if one did. */
  summary?: SearchSummary;
  pluginErrors: Array<Extract<JournalRecord, { t: 'pluginError' }>>;
}

/**
 * Rebuilds the trials of a study from its journal alone, finished or not. Reports of a segment that
 * a crash cut short are left out, as the engine does on resume.
 */
export function viewJournal(records: readonly JournalRecord[]): JournalView {
  const header = records.find((r): r is Extract<JournalRecord, { t: 'header' }> => r.t === 'header');
  const metric = header?.objective.metric;
  const unit = header?.resourceUnit ?? 'examples';
  const trials = new Map<number, JournalTrial>();
  const pending = new Map<string, Report[]>();
  const view: JournalView = { header, trainerInfo: {}, trials: [], pluginErrors: [] };
  for (const record of records) {
    switch (record.t) {
      case 'trainer':
        view.trainerInfo = record.info;
        break;
      case 'trialStart':
        trials.set(record.trialId, {
          trialId: record.trialId,
          params: record.params,
          state: 'paused',
          value: null,
          resource: 0,
          progress: ZERO_PROGRESS,
          metrics: {},
          batchSize: record.params.batchSize,
          learningRate: record.params.learningRate,
          reports: [],
          ...(record.tag !== undefined ? { tag: record.tag } : {}),
        });
        break;
      case 'segmentStart':
        pending.set(`${record.trialId}:${record.seg}`, []);
        break;
      case 'report':
        pending.get(`${record.trialId}:${record.seg}`)?.push(record.report);
        break;
      case 'segmentEnd': {
        const trial = trials.get(record.trialId);
        const reports = pending.get(`${record.trialId}:${record.seg}`) ?? [];
        pending.delete(`${record.trialId}:${record.seg}`);
        if (!trial) break;
        trial.reports.push(...reports);
        const last = trial.reports[trial.reports.length - 1];
        if (last) {
          trial.progress = last.progress;
          trial.resource = last.progress[unit];
          trial.metrics = last.metrics;
          trial.batchSize = last.batchSize;
          trial.learningRate = last.learningRate;
          const value = metric ? last.metrics[metric] : undefined;
          trial.value = value === undefined || score(value, 'max') === -Infinity ? null : value;
        }
        break;
      }
      case 'trialEnd': {
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
  return view;
}
