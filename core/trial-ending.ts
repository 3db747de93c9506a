import type { Callback } from './callback.ts';
import type { Timeouts } from './config.ts';
import { callPlugin } from './driver.ts';
import type { SearchEvents } from './events.ts';
import type { Executor } from './executor.ts';
import type { JournalRecord } from './journal.ts';
import { isFinal, transition } from './lifecycle.ts';
import type { Replay } from './replay.ts';
import type { TrialRecord } from './trial-record.ts';
import type { TrialState } from './trial.ts';

interface TrialEndingSetup {
  executor: { name: string; instance: Executor };
  callbacks: Array<{ name: string; instance: Callback }>;
  events: SearchEvents;
  timeouts: Timeouts;
  replay: Replay;
  journal(record: JournalRecord): void;
  reportPluginError(error: unknown, trialId?: number): void;
}

/**
 * How a trial ends: one final state through the transition function, its session freed at once wherever
 * it lives, the end journaled, then the callbacks and listeners told — the moment it happens, not when
 * the search ends.
 */
export class TrialEnding {
  constructor(private readonly setup: TrialEndingSetup) {}

  async end(trial: TrialRecord, state: TrialState, reason?: string, actor = 'engine'): Promise<void> {
    const { setup } = this;
    transition(trial, state, actor);
    if (reason) trial.reason = reason;
    trial.touch();
    try {
      const { executor } = setup;
      await callPlugin(executor.name, 'release', () => executor.instance.release(trial.trialId), setup.timeouts.hookSeconds);
    } catch (error) {
      setup.reportPluginError(error, trial.trialId);
    }
    if (!setup.replay.ended(trial.trialId)) setup.journal({ t: 'trialEnd', trialId: trial.trialId, state, ...(reason ? { reason } : {}) });
    const snapshot = trial.snapshot();
    for (const { name, instance } of setup.callbacks) {
      try {
        await callPlugin(name, 'onTrialEnd', () => instance.onTrialEnd?.(snapshot), setup.timeouts.hookSeconds);
      } catch (error) {
        setup.reportPluginError(error, trial.trialId);
      }
    }
    setup.events.emit('trialEnd', { trial: snapshot });
  }

  /**
   * Ends the trials the search left open. One is completed when the trainer could take it no further,
   * or its last segment aimed at the furthest target of the search and the budget did not cut it short;
   * the others were left behind at a lower rung (pruned).
   */
  async endRemaining(trials: readonly TrialRecord[], budgetSpent: boolean): Promise<void> {
    const furthestTarget = Math.max(0, ...trials.map((t) => t.target));
    for (const trial of trials) {
      if (isFinal(trial.state)) continue;
      if (trial.state === 'pending') {
        await this.end(trial, 'pruned', 'search ended before it ran');
        continue;
      }
      const done = trial.exhausted || (trial.target >= furthestTarget && !trial.cutByBudget);
      const reason = budgetSpent ? 'budget exhausted before it was promoted' : 'search ended before it was promoted';
      await this.end(trial, done ? 'completed' : 'pruned', done ? undefined : reason);
    }
  }
}
