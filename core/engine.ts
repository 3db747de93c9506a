import { BudgetLedger, type BudgetConfig } from './budget.ts';
import type { Timeouts } from './config.ts';
import { checkBest, checkDecision } from './plugin-output.ts';
import type { Callback } from './callback.ts';
import type { DataFileHash } from './data-files.ts';
import { callPlugin } from './driver.ts';
import { BatchtuneError, errorMessage, PluginError } from './errors.ts';
import type { SearchEvents } from './events.ts';
import type { Executor } from './executor.ts';
import { InFlight, type FlightEntry } from './in-flight.ts';
import { JOURNAL_VERSION, type JournalRecord } from './journal.ts';
import type { JournalView } from './journal-state.ts';
import { transition } from './lifecycle.ts';
import type { Objective } from './objective.ts';
import { Replay } from './replay.ts';
import type { ResourceUnit } from './resource.ts';
import { trialSeed } from './rng.ts';
import { SegmentSupervisor } from './segment-supervisor.ts';
import { TrialEnding } from './trial-ending.ts';
import type { SearchSpace } from './space.ts';
import type { Store } from './store.ts';
import type { Decision, SearchState, SegmentOutcome, Strategy } from './strategy.ts';
import { buildSummary, type SearchSummary } from './summary.ts';
import { TrialRecord } from './trial-record.ts';
import { liveView } from './live-view.ts';
import type { TrialState } from './trial.ts';

export interface EngineSetup {
  seed: number;
  objective: Objective;
  budget: BudgetConfig;
  resourceUnit: ResourceUnit;
  /** Segments in flight at once. */
  concurrency: number;
  timeouts: Timeouts;
  space: SearchSpace;
  strategy: { name: string; instance: Strategy };
  trainer: { name: string; info: Record<string, unknown> };
  executor: { name: string; instance: Executor };
  callbacks: Array<{ name: string; instance: Callback }>;
  events: SearchEvents;
  store: Store;
  /** What the store held when the search began (the journal to resume). */
  journal: JournalView;
  /** Hash and copy of the resolved config, for the journal header. */
  configHash: string;
  config: unknown;
  /** Content hashes of the files the config reads, for the journal header (resume refuses changed data). */
  data?: DataFileHash[] | undefined;
  /** Where the store lives, for error messages. */
  journalPath: string;
  /** Aborting it stops the search at once: the journal keeps what was recorded, and `--resume` continues. */
  signal?: AbortSignal;
}

/** Consecutive segments that trained nothing because the budget left could not buy a step: then the search stops asking. */
const MAX_BUDGET_BLOCKED = 10;
/** Consecutive segments that trained nothing at all: the strategy makes no progress, and the search ends with an error. */
const MAX_IDLE_SEGMENTS = 100;

/**
 * The search loop, and only that: ask the strategy while there are free slots and budget, hand each
 * segment to the executor (the supervisor runs it: reports, charges, callbacks, the trial's end), and
 * tell the strategy each outcome in the order segments end — on the simulated clock for the inline
 * executor, as machines finish them for real workers, as recorded when resuming.
 */
export class Engine {
  private readonly ledger: BudgetLedger;
  private readonly trials: TrialRecord[] = [];
  /** What strategies see of `trials`: a read-only live view of frozen snapshots (see live-view.ts). */
  private readonly trialsView = liveView(this.trials, (t) => t.snapshot());
  private readonly inFlight = new InFlight();
  private readonly replay: Replay;
  private readonly supervisor: SegmentSupervisor;
  private readonly ending: TrialEnding;
  private decisionCount = 0;
  private submitted = 0;
  private now = 0;
  private failure: string | undefined;
  private budgetBlocked = 0;
  private idleSegments = 0;
  private stopped = false;

  constructor(private readonly setup: EngineSetup) {
    this.ledger = new BudgetLedger(setup.budget);
    this.replay = new Replay(setup.journal, setup.journalPath);
    this.ending = new TrialEnding({
      ...setup,
      replay: this.replay,
      journal: (record) => {
        this.journal(record);
      },
      reportPluginError: (error, trialId) => {
        this.reportPluginError(error, trialId);
      },
    });
    this.supervisor = new SegmentSupervisor({
      ...setup,
      ledger: this.ledger,
      replay: this.replay,
      journal: (record) => {
        this.journal(record);
      },
      endTrial: (trial, state, reason) => this.ending.end(trial, state, reason),
      reportPluginError: (error, trialId) => {
        this.reportPluginError(error, trialId);
      },
    });
  }

  private get sequential(): boolean {
    return this.setup.executor.instance.sequential;
  }

  async run(): Promise<SearchSummary> {
    const { setup } = this;
    if (!this.replay.resumed) {
      this.journal({
        t: 'header',
        version: JOURNAL_VERSION,
        configHash: setup.configHash,
        seed: setup.seed,
        strategy: setup.strategy.name,
        trainer: setup.trainer.name,
        objective: setup.objective,
        resourceUnit: setup.resourceUnit,
        createdAt: new Date().toISOString(),
        config: setup.config,
        ...(setup.data ? { data: setup.data } : {}),
      });
      this.journal({ t: 'trainer', info: setup.trainer.info });
    } else if (setup.journal.summary) {
      // A finished journal: nothing to run, nothing to append.
      return setup.journal.summary;
    }
    setup.events.emit('searchStart', {
      seed: setup.seed,
      objective: setup.objective,
      strategy: setup.strategy.name,
      trainer: setup.trainer.name,
      trainerInfo: setup.trainer.info,
      budget: { unit: this.ledger.unit, limit: this.ledger.limit },
      resumed: this.replay.resumed,
    });
    try {
      await this.untilAborted(this.loop());
    } catch (error) {
      // Leave the journal as it was (resume picks it up from there); only free what the trials hold.
      this.stopped = true;
      setup.store.sync();
      await this.closeExecutor();
      throw error;
    }
    await this.ending.endRemaining(this.trials, this.ledger.exhausted);
    await this.closeExecutor();
    const summary = await this.summary();
    this.journal({ t: 'searchEnd', summary });
    setup.store.sync();
    setup.events.emit('searchEnd', { summary });
    return summary;
  }

  /**
   * Races the search against the abort signal. On abort the segments in flight are abandoned (a segment
   * with no end record runs again on resume) and nothing more is written.
   */
  private untilAborted(search: Promise<void>): Promise<void> {
    const { signal } = this.setup;
    if (!signal) return search;
    return new Promise<void>((resolve, reject) => {
      const abort = () => {
        reject(
          new BatchtuneError(
            'INTERRUPTED',
            `search interrupted (${String(signal.reason ?? 'aborted')}); the journal ${this.setup.journalPath} resumes it`,
          ),
        );
      };
      if (signal.aborted) abort();
      signal.addEventListener('abort', abort, { once: true });
      search.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', abort);
      });
    });
  }

  private async loop(): Promise<void> {
    let asking = true;
    for (;;) {
      while (asking && this.mayAsk()) {
        const decision = await this.ask();
        if (!decision || decision.kind === 'done') {
          asking = false;
        } else if (decision.kind === 'wait') {
          if (this.inFlight.size === 0) {
            this.fail(`strategy "${this.setup.strategy.name}" waits with no trial running`);
            asking = false;
          }
          break;
        } else if (!(await this.act(decision))) {
          asking = false;
        }
      }
      const entry = await this.nextOutcome();
      if (!entry) return;
      if (this.supervisor.fatal) throw this.supervisor.fatal;
      await this.tell(entry);
      if (this.idleSegments >= MAX_IDLE_SEGMENTS) {
        this.fail(
          `strategy "${this.setup.strategy.name}" asked for ${MAX_IDLE_SEGMENTS} segments in a row that trained nothing; it makes no progress`,
        );
        asking = false;
      }
    }
  }

  /** On resume, the journal says when the strategy was asked; live, free slots and budget do. */
  private mayAsk(): boolean {
    if (this.replay.driving) return this.replay.next?.kind === 'decision';
    if (this.inFlight.size >= this.setup.concurrency) return false;
    if (this.budgetBlocked >= MAX_BUDGET_BLOCKED) return false;
    // A trials budget only limits starts: trials already started may still be continued (promoted).
    return this.ledger.unit === 'trials' || !this.ledger.exhausted;
  }

  private async nextOutcome() {
    const next = this.replay.next;
    if (next?.kind === 'tell') {
      const entry = await this.inFlight.take(next.trialId, next.seg);
      if (entry) return entry;
    }
    return this.sequential ? this.inFlight.nextByClock() : this.inFlight.nextToEnd();
  }

  private async ask(): Promise<Decision | undefined> {
    const { name, instance } = this.setup.strategy;
    let decision: Decision;
    try {
      decision = checkDecision(await callPlugin(name, 'ask', () => instance.ask(this.state()), this.setup.timeouts.hookSeconds), name);
    } catch (error) {
      this.reportPluginError(error);
      this.fail(errorMessage(error));
      return undefined;
    }
    const n = this.decisionCount++;
    if (!this.replay.checkDecision(n, decision)) this.journal({ t: 'decision', n, decision });
    return decision;
  }

  /** Acts on a decision; false when the search cannot go on asking (a strategy error, a spent trials budget). */
  private async act(decision: Exclude<Decision, { kind: 'wait' | 'done' }>): Promise<boolean> {
    const strategy = this.setup.strategy.name;
    if (decision.kind === 'stop') {
      const trial = this.trials[decision.trialId];
      if (!trial || trial.state !== 'paused') return this.refuse(decision.trialId, trial?.state, 'stop');
      const reason = decision.reason ?? `stopped by ${strategy}`;
      await this.ending.end(trial, 'pruned', reason, strategy);
      this.setup.events.emit('trialStop', { trial: trial.snapshot(), by: 'strategy', reason: trial.reason ?? reason });
      return true;
    }
    let trial: TrialRecord;
    if (decision.kind === 'start') {
      if (this.ledger.unit === 'trials' && !this.ledger.canStartTrial()) return false;
      trial = this.openTrial(decision);
    } else {
      const found = this.trials[decision.trialId];
      if (!found || found.state !== 'paused') return this.refuse(decision.trialId, found?.state, 'continue');
      trial = found;
    }
    const done = this.submit(trial, decision);
    // Inline, one segment runs at a time in this process: it runs now, and its outcome waits for its time on the clock.
    if (this.sequential) await done;
    return true;
  }

  private refuse(trialId: number, state: TrialState | undefined, verb: string): false {
    this.fail(`strategy "${this.setup.strategy.name}": cannot ${verb} trial ${trialId}: it is ${state ?? 'unknown'}`);
    return false;
  }

  private openTrial(decision: Extract<Decision, { kind: 'start' }>): TrialRecord {
    const trialId = this.trials.length;
    const seed = decision.seed ?? trialSeed(this.setup.seed, trialId);
    const trial = new TrialRecord(trialId, decision.params, seed, decision.tag, this.setup.objective, this.setup.resourceUnit);
    this.trials.push(trial);
    this.ledger.noteTrialStarted();
    if (!this.replay.started(trialId)) {
      this.journal({ t: 'trialStart', trialId, params: trial.params, seed, ...(decision.tag !== undefined ? { tag: decision.tag } : {}) });
    }
    this.setup.events.emit('trialStart', { trial: trial.snapshot() });
    return trial;
  }

  private submit(trial: TrialRecord, decision: Extract<Decision, { kind: 'start' | 'continue' }>): Promise<SegmentOutcome> {
    transition(trial, 'running', this.setup.strategy.name);
    trial.touch();
    const entry: FlightEntry = {
      trialId: trial.trialId,
      seg: trial.segments,
      order: this.submitted++,
      done: Promise.resolve(undefined as never),
    };
    const started = this.now;
    const seconds = trial.progress.seconds;
    const examples = trial.progress.examples;
    entry.done = this.supervisor.run(trial, decision).then(({ outcome, blockedByBudget }) => {
      // On the simulated clock a segment takes the training seconds it reported.
      entry.finish = started + (trial.progress.seconds - seconds);
      this.budgetBlocked = blockedByBudget ? this.budgetBlocked + 1 : 0;
      this.idleSegments = trial.progress.examples > examples ? 0 : this.idleSegments + 1;
      return outcome;
    });
    this.inFlight.add(entry);
    return entry.done;
  }

  private async tell(entry: FlightEntry): Promise<void> {
    const { name, instance } = this.setup.strategy;
    const outcome = entry.outcome;
    if (!outcome) throw new Error(`trial ${entry.trialId} segment ${entry.seg} was told before its outcome settled`);
    if (this.sequential) this.now = Math.max(this.now, entry.finish ?? this.now);
    if (!this.replay.checkTell(entry.trialId, entry.seg)) this.journal({ t: 'tell', trialId: entry.trialId, seg: entry.seg });
    try {
      await callPlugin(name, 'tell', () => instance.tell(outcome, this.state()), this.setup.timeouts.hookSeconds);
    } catch (error) {
      this.reportPluginError(error, outcome.trial.trialId);
    }
  }

  private async closeExecutor(): Promise<void> {
    try {
      await this.setup.executor.instance.close();
    } catch (error) {
      this.reportPluginError(new PluginError(this.setup.executor.name, 'close', error));
    }
  }

  private reportPluginError(error: unknown, trialId?: number): void {
    const plugin = error instanceof PluginError ? error.plugin : 'engine';
    const hook = error instanceof PluginError ? error.hook : 'run';
    const message = errorMessage(error);
    this.journal({ t: 'pluginError', plugin, hook, message, ...(trialId !== undefined ? { trialId } : {}) });
    this.setup.events.emit('pluginError', { plugin, hook, message, error, ...(trialId !== undefined ? { trialId } : {}) });
  }

  private fail(message: string): void {
    this.failure ??= message;
  }

  private journal(record: JournalRecord): void {
    // After an abort, work still draining in this process must not add to the journal it left consistent.
    if (!this.stopped) this.setup.store.append(record);
  }

  private state(): SearchState {
    return Object.freeze({
      trials: this.trialsView,
      running: this.inFlight.size,
      concurrency: this.setup.concurrency,
      budget: Object.freeze(this.ledger.snapshot()),
      now: this.now,
    });
  }

  private async summary(): Promise<SearchSummary> {
    const { setup } = this;
    let bestId: number | undefined;
    const best = setup.strategy.instance.best?.bind(setup.strategy.instance);
    if (best) {
      try {
        const chosen = await callPlugin(setup.strategy.name, 'best', () => best(this.state()), setup.timeouts.hookSeconds);
        bestId = checkBest(chosen, setup.strategy.name, this.trials.length);
      } catch (error) {
        this.reportPluginError(error);
      }
    }
    return buildSummary({
      trials: this.trials.map((t) => t.snapshot()),
      bestId,
      ledger: this.ledger,
      setup,
      elapsedSeconds: this.now,
      ...(this.failure ? { error: this.failure } : {}),
    });
  }
}
