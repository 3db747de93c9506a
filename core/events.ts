import { EventEmitter } from 'eventemitter3';
import type { BudgetUnit } from './budget.ts';
import type { Objective } from './objective.ts';
import type { Report } from './trainer.ts';
import type { TrialView } from './trial.ts';
import type { SearchSummary } from './summary.ts';

/** Every event a search emits, with its payload. Reporters and user code subscribe to these. */
export interface SearchEventMap {
  searchStart: [
    {
      seed: number;
      objective: Objective;
      strategy: string;
      trainer: string;
      trainerInfo: Record<string, unknown>;
      budget: { unit: BudgetUnit; limit: number };
      resumed: boolean;
    },
  ];
  trialStart: [{ trial: TrialView }];
  report: [{ trial: TrialView; report: Report; replayed: boolean }];
  /** A trial was stopped: by a callback (`stopped`) or by the strategy (`pruned`). */
  trialStop: [{ trial: TrialView; by: 'callback' | 'strategy'; reason: string }];
  trialEnd: [{ trial: TrialView }];
  budget: [{ unit: BudgetUnit; limit: number; spent: number; remaining: number }];
  /** A plugin hook threw; the search went on. `error` is what it threw (for stack traces: `batchtune run --debug`). */
  pluginError: [{ plugin: string; hook: string; message: string; trialId?: number; error?: unknown }];
  searchEnd: [{ summary: SearchSummary }];
  /** Something the user should know that did not stop the search (a stale journal lock taken over). */
  warning: [{ code: string; message: string }];
}

export class SearchEvents extends EventEmitter<SearchEventMap> {}
