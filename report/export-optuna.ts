/**
 * `export --format optuna`: the study in Optuna's JournalFileStorage format (optuna ≥ 3.1,
 * `optuna/storages/_journal/storage.py`), one JSON operation per line, so that
 * `optuna.load_study(study_name=None, storage=JournalStorage(JournalFileStorage(path)))` reads it and
 * Optuna's plots and optuna-dashboard work on a batchtune study.
 *
 * Each trial is one CREATE_TRIAL operation with its final state, value, params (with distributions
 * spanning the values the study tried) and intermediate values: the objective at each report, keyed
 * by the resource reached (examples by default). batchtune's states map to COMPLETE (completed,
 * stopped), PRUNED, FAIL (failed, infeasible) and RUNNING (an unfinished journal). The journal holds
 * no per-trial wall-clock times: every trial's datetime_start is the study's creation time, and no
 * datetime_complete is written.
 */
import { BatchtuneError, score, type JournalView, type Params, type TrialState } from '../core/index.ts';

const OP = { CREATE_STUDY: 0, SET_STUDY_USER_ATTR: 2, CREATE_TRIAL: 4 } as const;
const DIRECTION = { min: 1, max: 2 } as const;
const STATE: Record<TrialState, number> = {
  pending: 0,
  running: 0,
  paused: 0,
  completed: 1,
  stopped: 1,
  pruned: 2,
  failed: 3,
  infeasible: 3,
};
const WORKER = 'batchtune-export';

interface Distribution {
  json: string;
  internal: (value: Params[string]) => number;
}

/** A distribution per parameter: log-scaled ints for batch sizes, floats for numbers, categorical otherwise. */
function distributions(view: JournalView): Map<string, Distribution> {
  const names = [...new Set(view.trials.flatMap((t) => Object.keys(t.params)))];
  const out = new Map<string, Distribution>();
  for (const name of names) {
    const values = view.trials.map((t) => t.params[name]).filter((v) => v !== undefined);
    const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (numbers.length === values.length) {
      const low = Math.min(...numbers);
      const high = Math.max(...numbers);
      const log = low > 0;
      const integer = numbers.every(Number.isInteger);
      const attributes = integer ? { log, step: 1, low, high } : { step: null, low, high, log };
      out.set(name, {
        json: JSON.stringify({ name: integer ? 'IntDistribution' : 'FloatDistribution', attributes }),
        internal: (v) => v as number,
      });
    } else {
      const choices = [...new Set(values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : v)))] as Array<string | number | boolean>;
      out.set(name, {
        json: JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices } }),
        internal: (v) => choices.indexOf(typeof v === 'object' ? JSON.stringify(v) : v),
      });
    }
  }
  return out;
}

/** The Optuna journal's lines for one batchtune journal. */
export function optunaJournal(view: JournalView, studyName: string): string {
  const header = view.header;
  if (!header) throw new BatchtuneError('JOURNAL_CORRUPT', `study ${JSON.stringify(studyName)}: the journal has no header record`);
  const unit = header.resourceUnit;
  const metric = header.objective.metric;
  const start = header.createdAt.replace(/Z$/, '');
  const dists = distributions(view);
  const logs: object[] = [
    { op_code: OP.CREATE_STUDY, worker_id: WORKER, study_name: studyName, directions: [DIRECTION[header.objective.mode]] },
  ];
  const studyAttrs = {
    metric,
    mode: header.objective.mode,
    strategy: header.strategy,
    trainer: header.trainer,
    seed: header.seed,
    resource_unit: unit,
    source: 'batchtune',
  };
  for (const [key, value] of Object.entries(studyAttrs))
    logs.push({ op_code: OP.SET_STUDY_USER_ATTR, worker_id: WORKER, study_id: 0, user_attr: { [key]: value } });

  for (const trial of view.trials) {
    const state = STATE[trial.state];
    const finite = score(trial.value, header.objective.mode) > -Infinity;
    const intermediate: Record<string, number> = {};
    for (const report of trial.reports) {
      const v = report.metrics[metric];
      if (typeof v === 'number' && Number.isFinite(v)) intermediate[String(Math.round(report.progress[unit]))] = v;
    }
    const params: Record<string, number> = {};
    const trialDists: Record<string, string> = {};
    for (const [name, value] of Object.entries(trial.params)) {
      const d = dists.get(name);
      if (!d) throw new Error(`parameter ${JSON.stringify(name)} has no distribution`);
      params[name] = d.internal(value);
      trialDists[name] = d.json;
    }
    const userAttrs: Record<string, unknown> = {
      batchtune_trial: trial.trialId,
      batchtune_state: trial.state,
      examples: trial.progress.examples,
      steps: trial.progress.steps,
      train_seconds: trial.progress.seconds,
      final_batch_size: trial.batchSize,
      final_learning_rate: trial.learningRate,
      ...(trial.reason ? { reason: trial.reason } : {}),
      ...(trial.tag !== undefined ? { tag: trial.tag } : {}),
    };
    // A complete trial needs a value; one that diverged is recorded as failed rather than given a made-up number.
    const complete = state === 1 && finite;
    logs.push({
      op_code: OP.CREATE_TRIAL,
      worker_id: WORKER,
      study_id: 0,
      datetime_start: start,
      state: state === 1 && !finite ? 3 : state,
      value: null,
      values: complete ? [trial.value] : null,
      distributions: trialDists,
      params,
      user_attrs: userAttrs,
      system_attrs: {},
      intermediate_values: intermediate,
    });
  }
  return `${logs.map((l) => JSON.stringify(l)).join('\n')}\n`;
}
