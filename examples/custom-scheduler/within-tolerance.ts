/**
 * A scheduler written outside batchtune and loaded through `"plugins"` in a config. It trains trials
 * in chunks of `interval` examples, one trial at a time, and lets a trial go on only while its value is
 * within `tolerance` of the best any trial had at the same resource. Configurations come from whatever
 * sampler the config names (`context.sampler.draw()`), so it works with grid, random, tpe...
 *
 * Deterministic: it uses no clock and no randomness, and its state is rebuilt from the outcomes it is
 * told, in order, so `--resume` (which replays the journal into a fresh instance) reaches the same state.
 */
import { defineScheduler, resolveMaxResource, type Decision } from 'batchtune';

interface Options {
  interval: number;
  tolerance: number;
  maxResource?: number;
}

export const withinTolerance = defineScheduler<Options>({
  name: 'within-tolerance',
  description: 'Trains in chunks; a trial goes on while it is within `tolerance` of the best at the same resource.',
  schema: {
    type: 'object',
    required: ['interval'],
    properties: {
      interval: { type: 'number', exclusiveMinimum: 0, description: 'Examples per chunk.' },
      tolerance: { type: 'number', minimum: 0, default: 0.02, description: 'How far behind the best a trial may be.' },
      maxResource: { type: 'number', exclusiveMinimum: 0 },
    },
  },
  create(options, context) {
    const max = resolveMaxResource(options.maxResource, context);
    const sign = context.objective.mode === 'max' ? 1 : -1;
    /** The best value seen at each chunk's end. */
    const bestAt = new Map<number, number>();
    let current: { trialId: number; resource: number } | undefined;
    let pending: Decision | undefined;
    let inFlight = false;
    let dry = false;
    return {
      ask(state): Decision {
        if (inFlight) return { kind: 'wait' };
        if (pending) {
          const decision = pending;
          pending = undefined;
          inFlight = decision.kind === 'continue';
          return decision;
        }
        const params = dry ? undefined : context.sampler.draw();
        if (!params) {
          dry = true;
          return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
        }
        const resource = Math.min(options.interval, max);
        current = { trialId: state.trials.length, resource };
        inFlight = true;
        return { kind: 'start', params, resource, ...(resource >= max ? { final: true } : {}) };
      },
      tell(outcome) {
        inFlight = false;
        if (!current || outcome.trial.trialId !== current.trialId) return;
        const value = outcome.trial.value;
        const at = current.resource;
        if (typeof value === 'number') {
          const best = bestAt.get(at);
          if (best === undefined || sign * value > sign * best) bestAt.set(at, value);
        }
        if (outcome.trial.state !== 'paused' || outcome.exhausted || at >= max) return;
        const best = bestAt.get(at);
        if (typeof value !== 'number' || best === undefined || sign * (best - value) > options.tolerance) {
          pending = {
            kind: 'stop',
            trialId: current.trialId,
            reason: `more than ${options.tolerance} behind the best (${best}) at ${at} examples`,
          };
          return;
        }
        const next = Math.min(at + options.interval, max);
        current = { trialId: current.trialId, resource: next };
        pending = { kind: 'continue', trialId: current.trialId, resource: next, ...(next >= max ? { final: true } : {}) };
      },
    };
  },
});
