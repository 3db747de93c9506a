import { defineScheduler, type Decision, type SearchState } from '../core/index.ts';
import { presetStrategy } from './compose.ts';
import { randomSampler } from './samplers/random.ts';
import { bestAtHighestRung, entryOf, fidelityProperties, ladder, resolveFidelity, Rung, type FidelityOptions } from './rungs.ts';
import { at } from '../core/indexed.ts';

interface AshaOptions extends FidelityOptions {
  maxTrials?: number;
}

/**
 * Asynchronous successive halving (Li et al. 2018, ASHA). Whenever a worker is free: promote a trial
 * that is in the top ⌊n_k/η⌋ of its rung k (n_k: trials that reached rung k) and not yet promoted,
 * looking from the highest rung down; otherwise start a new configuration at the bottom rung (once the
 * space or maxTrials is used up, the quota rounds up, so the rung leaders reach the top). It
 * never waits for a rung to fill, so it keeps any number of workers (`concurrency`) busy; trials
 * left behind are not stopped, only never promoted (the engine prunes them at the end).
 */
export const ashaScheduler = defineScheduler<AshaOptions>({
  name: 'asha',
  description: 'Asynchronous successive halving: promote a top-1/η trial when one is ready, else start a new configuration.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...fidelityProperties,
      maxTrials: {
        type: 'integer',
        minimum: 1,
        description: 'Configurations to start at most; default: the whole space when finite, else until the budget is spent.',
      },
    },
  },
  create(options, context) {
    const fidelity = resolveFidelity(options, context);
    const rungs = ladder(fidelity.min, fidelity.max, fidelity.eta, fidelity.unit).map((r) => new Rung(r));
    const top = rungs.length - 1;
    const { sampler } = context;
    const { mode } = context.objective;
    // A trials budget caps the starts too, so ASHA goes on promoting once they are all started.
    const budgetTrials = context.budget.unit === 'trials' ? Math.floor(context.budget.limit) : Infinity;
    const limit = Math.min(options.maxTrials ?? Infinity, sampler.capacity, budgetTrials);
    /** Trials with a segment in flight, and the rung it goes to. */
    const pending = new Map<number, number>();
    let started = 0;

    /**
     * The best trial of rung k's top ⌊n_k/η⌋ that is not promoted yet and can still train. Once no
     * new configuration can start, the rungs will not grow any more: the quota becomes ⌈n_k/η⌉, so
     * the leaders still climb to the top rung instead of the search stalling below it.
     */
    const candidate = (k: number, state: SearchState) => {
      const rung = at(rungs, k);
      const counted = rung.counted;
      const draining = started >= limit;
      const quota = draining ? Math.ceil(counted / fidelity.eta - 1e-9) : Math.floor(counted / fidelity.eta + 1e-9);
      return rung.nextPromotion(mode, quota, (e) => state.trials[e.trialId]?.state === 'paused');
    };

    return {
      ask(state): Decision {
        for (let k = top - 1; k >= 0; k--) {
          const entry = candidate(k, state);
          if (!entry) continue;
          at(rungs, k).promoted.add(entry.trialId);
          pending.set(entry.trialId, k + 1);
          return {
            kind: 'continue',
            trialId: entry.trialId,
            resource: at(rungs, k + 1).resource,
            ...(k + 1 === top ? { final: true } : {}),
          };
        }
        if (started < limit) {
          const params = sampler.draw();
          if (params) {
            started += 1;
            pending.set(state.trials.length, 0);
            return { kind: 'start', params, resource: at(rungs, 0).resource, ...(top === 0 ? { final: true } : {}) };
          }
        }
        return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell(outcome, state) {
        const k = pending.get(outcome.trial.trialId);
        if (k === undefined) return;
        pending.delete(outcome.trial.trialId);
        // Only a trial that got there counts at a rung (n_k); one that failed or was stopped on the way does not.
        const reached = outcome.trial.state === 'paused' || outcome.trial.state === 'completed';
        if (reached) at(rungs, k).record(entryOf(outcome, state));
      },
      best() {
        return bestAtHighestRung(rungs, mode);
      },
    };
  },
});

/** The `asha` strategy: random configurations under the ASHA scheduler. */
export const ashaStrategy = presetStrategy('asha', ashaScheduler.description, ashaScheduler, randomSampler);
