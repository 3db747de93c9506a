import { bestAtHighestLevel, configError, defineScheduler, resolveMaxResource, score, type Decision } from '../core/index.ts';
import { roundResource } from './rungs.ts';
import { at } from '../core/indexed.ts';

interface MedianStoppingOptions {
  maxResource?: number;
  minResource?: number;
  interval?: number;
  nTrials?: number;
  minTrials: number;
}

/** The median of finite numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? at(sorted, mid) : (at(sorted, mid - 1) + at(sorted, mid)) / 2;
}

/** The checkpoints min, min + interval, ..., capped by and ending at max. */
function checkpoints(min: number, interval: number, max: number, unit: Parameters<typeof roundResource>[1]): number[] {
  const levels: number[] = [];
  for (let r = min; r < max - 1e-9; r += interval) levels.push(roundResource(r, unit));
  levels.push(unit === 'seconds' ? max : Math.floor(max + 1e-6));
  return levels.filter((r, i) => i === 0 || r > at(levels, i - 1));
}

/**
 * The median stopping rule (Golovin et al. 2017, Google Vizier; Optuna's MedianPruner): every trial
 * trains from checkpoint to checkpoint; at each one, a trial whose best value so far is strictly worse
 * than the median of the other trials' values at that checkpoint is stopped, once at least `minTrials`
 * others reached it. Paused trials continue before new ones start (lowest trial id first).
 */
export const medianStoppingScheduler = defineScheduler<MedianStoppingOptions>({
  name: 'median-stopping',
  description:
    'Stops a trial whose best value so far is worse than the median of the other trials at the same resource (Golovin et al. 2017).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxResource: {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'How far a trial that is never stopped trains; default: the most the trainer offers.',
      },
      minResource: {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'The first checkpoint (a grace period: no trial is stopped before it); default: maxResource / 9.',
      },
      interval: { type: 'number', exclusiveMinimum: 0, description: 'Resource between checkpoints; default: minResource.' },
      nTrials: { type: 'integer', minimum: 1, description: 'Trials to start at most; default: until the sampler or the budget runs out.' },
      minTrials: {
        type: 'integer',
        minimum: 1,
        default: 3,
        description: 'Other trials that must have reached a checkpoint before the rule judges anyone there.',
      },
    },
  },
  create(options, context) {
    const max = resolveMaxResource(options.maxResource, context, 'scheduler.maxResource');
    const min = options.minResource ?? max / 9;
    if (!(min <= max)) throw configError('scheduler.minResource', `must be <= maxResource ${max}`, min);
    const levels = checkpoints(min, options.interval ?? min, max, context.resourceUnit);
    const last = levels.length - 1;
    const { mode } = context.objective;
    const { sampler } = context;
    const limit = Math.min(options.nTrials ?? Infinity, sampler.capacity);
    /** Each trial's finite value at each checkpoint it reached. */
    const values = new Map<number, Map<number, number>>();
    /** Trials with a segment in flight, and the checkpoint it goes to. */
    const pending = new Map<number, number>();
    /** Paused trials to continue, and the checkpoint they are at. */
    const ready = new Map<number, number>();
    const queue: Decision[] = [];
    let started = 0;
    let dry = false;

    const segment = (k: number) => ({ resource: at(levels, k), ...(k === last ? { final: true } : {}) });
    const verdict = (trialId: number, k: number): string | undefined => {
      const level = at(levels, k);
      const others = [...values].flatMap(([id, byLevel]) => {
        const value = byLevel.get(level);
        return id !== trialId && value !== undefined ? [value] : [];
      });
      if (others.length < options.minTrials) return undefined;
      const own = [...(values.get(trialId) ?? new Map<number, number>()).entries()].filter(([r]) => r <= level).map(([, v]) => v);
      const best = own.reduce<number | null>((a, v) => (score(v, mode) > score(a, mode) ? v : a), null);
      const bar = median(others);
      return score(best, mode) < score(bar, mode)
        ? `median-stopping: best so far ${best ?? 'none'} is worse than the median ${bar} of ${others.length} other trials at ${level} ${context.resourceUnit}`
        : undefined;
    };

    return {
      ask(state): Decision {
        const queued = queue.shift();
        if (queued) return queued;
        const first = [...ready].sort(([a], [b]) => a - b).at(0);
        if (first !== undefined) {
          const [next, reachedK] = first;
          const k = reachedK + 1;
          ready.delete(next);
          pending.set(next, k);
          return { kind: 'continue', trialId: next, ...segment(k) };
        }
        if (started < limit && !dry) {
          const params = sampler.draw();
          if (params) {
            started += 1;
            pending.set(state.trials.length, 0);
            return { kind: 'start', params, ...segment(0) };
          }
          dry = true;
        }
        return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell(outcome) {
        const { trial } = outcome;
        const k = pending.get(trial.trialId);
        if (k === undefined) return;
        pending.delete(trial.trialId);
        const reached = (trial.state === 'paused' || trial.state === 'completed') && (outcome.reachedTarget || outcome.exhausted);
        if (reached && typeof trial.value === 'number' && Number.isFinite(trial.value)) {
          const byLevel = values.get(trial.trialId) ?? new Map<number, number>();
          values.set(trial.trialId, byLevel);
          byLevel.set(at(levels, k), trial.value);
        }
        if (trial.state !== 'paused' || outcome.exhausted || !outcome.reachedTarget || k === last) return;
        const reason = verdict(trial.trialId, k);
        if (reason) queue.push({ kind: 'stop', trialId: trial.trialId, reason });
        else ready.set(trial.trialId, k);
      },
      best() {
        // Judge each trial at its highest checkpoint only.
        const highest = [...values].flatMap(([trialId, byLevel]) => {
          const top = Math.max(...byLevel.keys());
          return [...byLevel].filter(([level]) => level === top).map(([level, value]) => ({ trialId, value, level }));
        });
        return bestAtHighestLevel(highest, mode, (c) => c.level)?.trialId;
      },
    };
  },
});
