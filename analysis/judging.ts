/**
 * Where `report` judges batch sizes against each other, and which trials it can judge there.
 *
 * The point is the one the search judged its best trial at: the run summary's best when the journal
 * has one (so `report` and `run` always name the same configuration), else the best trial at the
 * highest level reached (`bestAtHighestLevel`, as the multi-fidelity strategies choose). A trial is
 * judged at that level only when one of its segments aimed at it and got there; every other batch
 * size is listed as not compared, with the reason read from the journal.
 */
import {
  bestAtHighestLevel,
  bestOf,
  modeFor,
  type JournalTrial,
  type JournalView,
  type Objective,
  type Report,
  type ResourceUnit,
} from '../core/index.ts';
import { scheduleOf } from '../strategies/batch-increase.ts';
import { segmentLevels, type LevelReached } from './levels.ts';
import { finite } from './stats.ts';

/** A journal read for analysis: its trials, and how far each segment was meant to go. */
export interface Study {
  view: JournalView;
  levels: Map<number, LevelReached[]>;
}

export function studyOf(view: JournalView): Study {
  return { view, levels: segmentLevels(view) };
}

export interface JudgingPoint {
  /** What chose the point: the run's summary, the highest level any trial reached, or --examples. */
  basis: 'search summary' | 'highest level reached' | 'given examples';
  /** The level in the search's resource unit (a rung, the grid's maximum); for --examples, the examples. */
  level: number;
  unit: ResourceUnit;
  /** The trial judged best there, and the examples it had seen (E). */
  bestTrialId: number | null;
  examples: number;
}

/** Why a batch size has no value at the judging point. */
export interface NotCompared {
  reason: 'infeasible' | 'failed' | 'not trained that far' | 'budget ran out' | 'diverged' | 'no reports';
  /** The furthest any of its trials got, in examples. */
  furthestExamples: number;
  /** Its trials' end states (pruned, completed, ...), distinct. */
  states: string[];
  /** The first failure message, for failed trials. */
  detail?: string;
}

interface Judgement {
  metric: string;
  mode: Objective['mode'];
  point: JudgingPoint | null;
  /** Each judged trial's report at the point. */
  judged: Map<number, Report>;
  /** The fixed-batch trials report looks at, and those it leaves out (schedules, no reports). */
  trials: JournalTrial[];
  excluded: Array<{ trialId: number; why: string }>;
}

/** The trials `report` judges: fixed-batch trials (batch-increase schedules are reported apart). */
function partition(view: JournalView): Pick<Judgement, 'trials' | 'excluded'> {
  const trials: JournalTrial[] = [];
  const excluded: Judgement['excluded'] = [];
  for (const trial of view.trials) {
    if (scheduleOf(trial) || trial.reports.some((r) => r.batchSize !== trial.params.batchSize)) {
      excluded.push({ trialId: trial.trialId, why: 'changes its batch size during training (a schedule)' });
    } else if (trial.reports.length === 0 && trial.state !== 'infeasible' && trial.state !== 'failed') {
      excluded.push({ trialId: trial.trialId, why: `no reports (${trial.state})` });
    } else {
      trials.push(trial);
    }
  }
  return { trials, excluded };
}

/**
 * The levels a trial can be judged at: segments that reached their level, or that a callback stopped
 * (a strategy judges a stopped trial at its last report). A journal without segment targets (written
 * by hand) counts the last report as one level.
 */
function judgeableLevels(study: Study, trial: JournalTrial, unit: ResourceUnit): Array<{ level: number; report: Report }> {
  const levels = study.levels.get(trial.trialId);
  if (!levels) {
    const last = trial.reports.at(-1);
    return last ? [{ level: last.progress[unit], report: last }] : [];
  }
  return levels.flatMap((l) => ((l.reached || l.shortBy === 'stopped') && l.report ? [{ level: l.level, report: l.report }] : []));
}

/** Chooses the point and judges every trial that reached it. */
export function judge(study: Study, options: { metric?: string | undefined; examples?: number | undefined } = {}): Judgement {
  const { view } = study;
  const objective: Objective = view.header?.objective ?? { metric: options.metric ?? 'val_acc', mode: 'max' };
  const metric = options.metric ?? objective.metric;
  const mode = modeFor(metric, objective);
  const unit = view.header?.resourceUnit ?? 'examples';
  const { trials, excluded } = partition(view);
  const judged = new Map<number, Report>();
  const valueOf = (r: Report) => r.metrics[metric];

  if (options.examples !== undefined) {
    // A trial is at E when it trained to within one step of it; it is judged at its last report by E.
    const E = options.examples;
    for (const trial of trials) {
      const last = trial.reports.at(-1);
      if (!last || last.progress.examples <= E - trial.params.batchSize) continue;
      const at = trial.reports.filter((r) => r.progress.examples <= E).at(-1);
      if (at) judged.set(trial.trialId, at);
    }
    const best = bestOf(
      [...judged].map(([trialId, r]) => ({ trialId, value: valueOf(r), steps: r.progress.steps })),
      mode,
    );
    return {
      metric,
      mode,
      trials,
      excluded,
      judged,
      point: { basis: 'given examples', level: E, unit: 'examples', bestTrialId: best?.trialId ?? null, examples: E },
    };
  }

  const candidates = trials.flatMap((trial) =>
    judgeableLevels(study, trial, unit).map(({ level, report }) => ({
      trialId: trial.trialId,
      value: valueOf(report),
      resource: report.progress[unit],
      steps: report.progress.steps,
      level,
      report,
    })),
  );
  const fromSummary = metric === objective.metric && view.summary?.best ? view.summary.best.trialId : undefined;
  let best: (typeof candidates)[number] | undefined;
  let basis: JudgingPoint['basis'] = 'highest level reached';
  if (fromSummary !== undefined) {
    const own = candidates.filter((c) => c.trialId === fromSummary);
    best = own.reduce<(typeof own)[number] | undefined>((b, c) => (!b || c.level > b.level ? c : b), undefined);
    basis = 'search summary';
  }
  best ??= bestAtHighestLevel(candidates, mode, (c) => c.level);
  if (!best) return { metric, mode, trials, excluded, judged, point: null };
  if (basis === 'search summary' && !finite(best.value)) basis = 'highest level reached';
  for (const c of candidates) if (c.level === best.level) judged.set(c.trialId, c.report);
  return {
    metric,
    mode,
    trials,
    excluded,
    judged,
    point: { basis, level: best.level, unit, bestTrialId: best.trialId, examples: best.report.progress.examples },
  };
}

/** Why none of a batch size's trials was judged at the point. */
export function notCompared(study: Study, trials: readonly JournalTrial[], metric: string, judgement: Judgement): NotCompared {
  const furthestExamples = Math.max(0, ...trials.map((t) => t.reports.at(-1)?.progress.examples ?? 0));
  const states = [...new Set(trials.map((t) => t.state))];
  const base = { furthestExamples, states };
  if (trials.every((t) => t.state === 'infeasible')) return { reason: 'infeasible', ...base };
  if (trials.every((t) => t.state === 'failed' || t.state === 'infeasible')) {
    const detail = trials.find((t) => t.reason)?.reason;
    return { reason: 'failed', ...base, ...(detail !== undefined ? { detail } : {}) };
  }
  const level = judgement.point?.level ?? 0;
  const atLevel = trials.flatMap((t) => (study.levels.get(t.trialId) ?? []).filter((l) => l.level >= level));
  if (atLevel.some((l) => l.reached && l.report && !finite(l.report.metrics[metric]))) return { reason: 'diverged', ...base };
  if (atLevel.some((l) => l.shortBy === 'budget')) return { reason: 'budget ran out', ...base };
  if (trials.every((t) => t.reports.length === 0)) return { reason: 'no reports', ...base };
  return { reason: 'not trained that far', ...base };
}
