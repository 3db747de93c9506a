import { BatchtuneError } from './errors.ts';
import type { TrialState } from './trial.ts';

/** Where a trial may go from each state; the final states go nowhere. */
const LEGAL: Readonly<Record<TrialState, readonly TrialState[]>> = {
  pending: ['running', 'pruned', 'failed'],
  running: ['paused', 'completed', 'stopped', 'pruned', 'failed', 'infeasible'],
  paused: ['running', 'completed', 'pruned', 'stopped', 'failed'],
  completed: [],
  stopped: [],
  pruned: [],
  failed: [],
  infeasible: [],
};

export function isFinal(state: TrialState): boolean {
  return LEGAL[state].length === 0;
}

/**
 * The one way a trial changes state. `actor` names who asked (a strategy's name, "engine"), so an
 * illegal move (continuing a completed trial, stopping a running one) is an error that names the plugin.
 */
export function transition(trial: { trialId: number; state: TrialState }, to: TrialState, actor: string): void {
  if (!LEGAL[trial.state].includes(to)) {
    throw new BatchtuneError(
      'ILLEGAL_TRANSITION',
      `${actor}: trial ${trial.trialId} cannot go from ${trial.state} to ${to}${isFinal(trial.state) ? ` (it has ended ${trial.state})` : ''}`,
    );
  }
  trial.state = to;
}
