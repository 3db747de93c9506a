import { BudgetLedger } from './budget.ts';
import type { Callback } from './callback.ts';
import { callPlugin, callPluginSync, isCoded } from './driver.ts';
import { BatchtuneError, errorMessage, PluginError } from './errors.ts';
import type { SearchEvents } from './events.ts';
import { JOURNAL_VERSION, JournalReplay, type JournalRecord, type RecordedSegment } from './journal.ts';
import type { Objective } from './objective.ts';
import { progressDelta, type Limits, type Progress, type ResourceUnit } from './resource.ts';
import { trialSeed } from './rng.ts';
import type { SearchSpace } from './space.ts';
import type { Store } from './store.ts';
import type { Decision, SearchState, SegmentOutcome, Strategy } from './strategy.ts';
import { bestFinishedTrial } from './best.ts';
import { summarizeTrial, type SearchSummary } from './summary.ts';
import type { Report, ReportVerdict, SegmentResult, TrainRequest, Trainer } from './trainer.ts';
import { TrialRecord } from './trial-record.ts';
import type { BudgetConfig } from './budget.ts';

export interface EngineSetup {
  seed: number;
  objective: Objective;
  budget: BudgetConfig;
  resourceUnit: ResourceUnit;
  concurrency: number;
  space: SearchSpace;
  strategy: { name: string; instance: Strategy };
  trainer: { name: string; instance: Trainer; info: Record<string, unknown> };
  callbacks: Array<{ name: string; instance: Callback }>;
  events: SearchEvents;
  store: Store;
  /** Hash and copy of the resolved config, for the journal header. */
  configHash: string;
  config: unknown;
  /** Where the store lives, for error messages. */
  journalPath: string;
}

/** A segment that ran (or was replayed) and waits for its moment on the search's clock. */
interface Completion {
  finish: number;
  order: number;
  outcome: SegmentOutcome;
}

/**
 * The search loop. It asks the strategy for decisions while it has free slots and budget, runs each
 * segment through the trainer (charging the ledger at every report, consulting callbacks), and tells
 * the strategy each outcome in the order the segments finish on the search's clock. Segments run
 * one at a time in this process: with `concurrency` N the clock models N workers, which keeps
 * decisions deterministic (Syne Tune's simulator backend does the same with recorded curves).
 */
export class Engine {
  private readonly ledger: BudgetLedger;
  private readonly trials: TrialRecord[] = [];
  private readonly inFlight: Completion[] = [];
  private readonly replay: JournalReplay;
  private decisionCount = 0;
  private completionCount = 0;
  private now = 0;
  private failure: string | undefined;

  constructor(private readonly setup: EngineSetup) {
    this.ledger = new BudgetLedger(setup.budget);
    this.replay = new JournalReplay(setup.store.read() as JournalRecord[]);
    this.replay.assertCompatible(setup.configHash, setup.journalPath);
  }

  async run(): Promise<SearchSummary> {
    const { setup } = this;
    const resumed = !this.replay.isEmpty;
    if (!resumed) {
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
      });
      this.journal({ t: 'trainer', info: setup.trainer.info });
    }
    setup.events.emit('searchStart', {
      seed: setup.seed,
      objective: setup.objective,
      strategy: setup.strategy.name,
      trainer: setup.trainer.name,
      trainerInfo: setup.trainer.info,
      budget: { unit: this.ledger.unit, limit: this.ledger.limit },
      resumed,
    });
    try {
      await this.loop();
    } catch (error) {
      // Leave the journal as it was (resume picks it up from there); only free what the trials hold.
      for (const trial of this.trials) await this.dispose(trial);
      await this.closeTrainer();
      throw error;
    }
    await this.closeSessions();
    await this.closeTrainer();
    const summary = this.summary();
    this.journal({ t: 'searchEnd', summary });
    setup.store.sync();
    setup.events.emit('searchEnd', { summary });
    return summary;
  }

  private async loop(): Promise<void> {
    let asking = true;
    while (true) {
      // A trials budget only limits starts: trials already started may still be continued (promoted).
      const trialsBudget = this.ledger.unit === 'trials';
      while (asking && this.inFlight.length < this.setup.concurrency && (trialsBudget || !this.ledger.exhausted)) {
        const decision = this.ask();
        if (!decision || decision.kind === 'done' || (decision.kind === 'start' && trialsBudget && !this.ledger.canStartTrial())) {
          asking = false;
        } else if (decision.kind === 'wait') {
          if (this.inFlight.length === 0) {
            this.fail(`strategy "${this.setup.strategy.name}" waits with no trial running`);
            asking = false;
          }
          break;
        } else {
          await this.act(decision);
        }
      }
      const next = this.nextCompletion();
      if (!next) return;
      this.now = Math.max(this.now, next.finish);
      this.tell(next.outcome);
    }
  }

  private ask(): Decision | undefined {
    let decision: Decision;
    try {
      decision = callPluginSync(this.setup.strategy.name, 'ask', () => this.setup.strategy.instance.ask(this.state()));
    } catch (error) {
      this.reportPluginError(error);
      this.fail(errorMessage(error));
      return undefined;
    }
    const n = this.decisionCount++;
    const recorded = this.replay.decisions[n];
    if (recorded !== undefined) {
      if (JSON.stringify(recorded) !== JSON.stringify(decision)) {
        throw new BatchtuneError(
          'JOURNAL_DIVERGED',
          `${this.setup.journalPath}: decision ${n} differs from the journal (recorded ${JSON.stringify(recorded)}, now ${JSON.stringify(decision)}); the strategy is not deterministic or the plugins changed`,
        );
      }
    } else {
      this.journal({ t: 'decision', n, decision });
    }
    return decision;
  }

  private async act(decision: Exclude<Decision, { kind: 'wait' | 'done' }>): Promise<void> {
    if (decision.kind === 'stop') {
      const trial = this.trials[decision.trialId];
      if (!trial || trial.state !== 'paused') return;
      await this.finish(trial, 'pruned', decision.reason ?? `stopped by ${this.setup.strategy.name}`);
      this.setup.events.emit('trialStop', { trial, by: 'strategy', reason: trial.reason! });
      return;
    }
    let trial: TrialRecord;
    if (decision.kind === 'start') {
      if (this.ledger.unit === 'trials' && !this.ledger.canStartTrial()) return;
      const trialId = this.trials.length;
      trial = new TrialRecord(trialId, decision.params, decision.seed ?? trialSeed(this.setup.seed, trialId), decision.tag, this.setup.objective, this.setup.resourceUnit);
      this.trials.push(trial);
      this.ledger.noteTrialStarted();
      if (!this.replay.startedTrials.has(trialId)) this.journal({ t: 'trialStart', trialId, params: trial.params, seed: trial.seed, ...(decision.tag !== undefined ? { tag: decision.tag } : {}) });
      this.setup.events.emit('trialStart', { trial });
    } else {
      const found = this.trials[decision.trialId];
      if (!found || found.state !== 'paused') {
        this.fail(`strategy "${this.setup.strategy.name}" continued trial ${decision.trialId}, which is ${found ? found.state : 'unknown'}`);
        return;
      }
      trial = found;
    }
    trial.state = 'running';
    const completion = await this.runSegment(trial, decision);
    this.inFlight.push(completion);
  }

  private async runSegment(trial: TrialRecord, decision: Extract<Decision, { kind: 'start' | 'continue' }>): Promise<Completion> {
    const seg = trial.segments++;
    const started = this.now;
    const before = trial.progress;
    trial.batchSize = decision.settings?.batchSize ?? trial.batchSize;
    trial.learningRate = decision.settings?.learningRate ?? trial.learningRate;
    const warmup = this.setup.space.warmupFor(trial.params);
    const request: TrainRequest = {
      limits: this.ledger.limitsFor(trial.progress),
      target: { unit: this.setup.resourceUnit, value: decision.resource },
      batchSize: trial.batchSize,
      learningRate: trial.learningRate,
      ...(warmup ? { warmup } : {}),
    };
    const recorded = this.replay.segment(trial.trialId, seg);
    if (!recorded) this.journal({ t: 'segmentStart', trialId: trial.trialId, seg });

    let stopReason: string | undefined;
    const onReport = (report: Report): ReportVerdict => {
      if (!recorded) this.journal({ t: 'report', trialId: trial.trialId, seg, report });
      this.charge(trial, report.progress);
      trial.reports.push(report);
      this.setup.events.emit('report', { trial, report, replayed: recorded !== undefined });
      this.setup.events.emit('budget', this.ledger.snapshot());
      stopReason ??= this.consultCallbacks(report, trial);
      return stopReason ? 'stop' : 'continue';
    };

    let result: SegmentResult | undefined;
    let error: { state: 'failed' | 'infeasible'; message: string } | undefined;
    try {
      result = recorded ? await replaySegment(recorded, onReport) : await this.trainLive(trial, request, onReport);
      this.charge(trial, result.progress);
    } catch (thrown) {
      error = { state: isCoded(thrown, 'INFEASIBLE') ? 'infeasible' : 'failed', message: errorMessage(thrown) };
      if (!recorded && error.state === 'failed') this.reportPluginError(thrown, trial.trialId);
    }
    if (recorded) {
      trial.pendingFastForward.push({ ...request, limits: { examples: recorded.end.result?.progress.examples ?? 0, steps: recorded.end.result?.progress.steps ?? 0 } });
    } else {
      this.journal({ t: 'segmentEnd', trialId: trial.trialId, seg, request, ...(result ? { result } : {}), ...(error ? { error } : {}) });
      this.setup.store.sync();
    }

    const reachedTarget = trial.resource >= decision.resource;
    if (result) {
      trial.exhausted = result.exhausted;
      // Short of its target with more to train and nobody stopping it: the budget's cap stopped it when that cap
      // was tighter than the target (a target between two steps or recorded points is reached as near as can be).
      // In another unit the caps cannot be compared; a segment that could not buy a single step is the sign.
      const cap = request.limits[this.ledger.unit as keyof Limits];
      const budgetBound =
        this.ledger.unit === this.setup.resourceUnit ? cap !== undefined && cap < decision.resource : trial.progress.examples === before.examples;
      trial.target = decision.resource;
      trial.cutByBudget = !reachedTarget && !result.exhausted && !stopReason && budgetBound;
      if (trial.cutByBudget) this.ledger.markStarved();
    }
    if (error) {
      await this.finish(trial, error.state, error.message);
    } else if (stopReason) {
      await this.finish(trial, 'stopped', stopReason);
      this.setup.events.emit('trialStop', { trial, by: 'callback', reason: stopReason });
    } else {
      trial.state = 'paused';
    }
    return {
      finish: started + (trial.progress.seconds - before.seconds),
      order: this.completionCount++,
      outcome: { trial, decision, reachedTarget: reachedTarget || trial.exhausted, exhausted: trial.exhausted },
    };
  }

  private async trainLive(trial: TrialRecord, request: TrainRequest, onReport: (r: Report) => ReportVerdict): Promise<SegmentResult> {
    const { name, instance } = this.setup.trainer;
    if (!trial.session) {
      trial.session = await callPlugin(name, 'open', () => instance.open({ trialId: trial.trialId, params: trial.params, seed: trial.seed }));
    }
    const session = trial.session;
    // Work replayed from the journal has to be trained again (uncharged) before this trial continues.
    for (const past of trial.pendingFastForward.splice(0)) await callPlugin(name, 'train', () => session.train(past, () => 'continue'));
    return callPlugin(name, 'train', () => session.train(request, onReport));
  }

  private charge(trial: TrialRecord, progress: Progress): void {
    const delta = progressDelta(progress, trial.progress);
    if (delta.examples <= 0 && delta.steps <= 0 && delta.seconds <= 0) return;
    this.ledger.charge(delta);
    trial.progress = progress;
  }

  private consultCallbacks(report: Report, trial: TrialRecord): string | undefined {
    for (const { name, instance } of this.setup.callbacks) {
      try {
        const verdict = callPluginSync(name, 'onReport', () => instance.onReport(report, trial));
        if (verdict && verdict.stop) return `${name}: ${verdict.reason}`;
      } catch (error) {
        this.reportPluginError(error, trial.trialId);
      }
    }
    return undefined;
  }

  private nextCompletion(): Completion | undefined {
    if (this.inFlight.length === 0) return undefined;
    let index = 0;
    for (let i = 1; i < this.inFlight.length; i++) {
      const a = this.inFlight[i];
      const b = this.inFlight[index];
      if (a.finish < b.finish || (a.finish === b.finish && a.order < b.order)) index = i;
    }
    return this.inFlight.splice(index, 1)[0];
  }

  private tell(outcome: SegmentOutcome): void {
    try {
      callPluginSync(this.setup.strategy.name, 'tell', () => this.setup.strategy.instance.tell(outcome, this.state()));
    } catch (error) {
      this.reportPluginError(error, outcome.trial.trialId);
    }
  }

  /** Puts a trial in a final state, frees its session and tells the callbacks. */
  private async finish(trial: TrialRecord, state: TrialRecord['state'], reason?: string): Promise<void> {
    trial.state = state;
    if (reason) trial.reason = reason;
    await this.dispose(trial);
    if (!this.replay.endedTrials.has(trial.trialId)) this.journal({ t: 'trialEnd', trialId: trial.trialId, state, ...(reason ? { reason } : {}) });
    for (const { name, instance } of this.setup.callbacks) {
      try {
        callPluginSync(name, 'onTrialEnd', () => instance.onTrialEnd?.(trial));
      } catch (error) {
        this.reportPluginError(error, trial.trialId);
      }
    }
    this.setup.events.emit('trialEnd', { trial });
  }

  private async dispose(trial: TrialRecord): Promise<void> {
    const session = trial.session;
    trial.session = undefined;
    if (!session) return;
    try {
      await callPlugin(this.setup.trainer.name, 'dispose', () => session.dispose());
    } catch (error) {
      this.reportPluginError(error, trial.trialId);
    }
  }

  /**
   * Ends the trials still paused. One is completed when the trainer could take it no further, or its
   * last segment aimed at the furthest target of the search and the budget did not cut it short;
   * the others were left behind at a lower rung (pruned).
   */
  private async closeSessions(): Promise<void> {
    const furthestTarget = Math.max(0, ...this.trials.map((t) => t.target));
    for (const trial of this.trials) {
      if (trial.state !== 'paused' && trial.state !== 'running') continue;
      const done = trial.exhausted || (trial.target >= furthestTarget && !trial.cutByBudget);
      const reason = this.ledger.exhausted ? 'budget exhausted before it was promoted' : 'search ended before it was promoted';
      await this.finish(trial, done ? 'completed' : 'pruned', done ? undefined : reason);
    }
  }

  private async closeTrainer(): Promise<void> {
    try {
      await this.setup.trainer.instance.close?.();
    } catch (error) {
      this.reportPluginError(new PluginError(this.setup.trainer.name, 'close', error));
    }
  }

  private reportPluginError(error: unknown, trialId?: number): void {
    const plugin = error instanceof PluginError ? error.plugin : 'engine';
    const hook = error instanceof PluginError ? error.hook : 'run';
    const message = errorMessage(error);
    this.journal({ t: 'pluginError', plugin, hook, message, ...(trialId !== undefined ? { trialId } : {}) });
    this.setup.events.emit('pluginError', { plugin, hook, message, ...(trialId !== undefined ? { trialId } : {}) });
  }

  private fail(message: string): void {
    this.failure ??= message;
  }

  private journal(record: JournalRecord): void {
    this.setup.store.append(record);
  }

  private state(): SearchState {
    return {
      trials: this.trials,
      running: this.inFlight.length,
      concurrency: this.setup.concurrency,
      budget: this.ledger.snapshot(),
      now: this.now,
    };
  }

  private summary(): SearchSummary {
    const { setup } = this;
    const state = this.state();
    let bestId: number | undefined;
    try {
      bestId = setup.strategy.instance.best
        ? callPluginSync(setup.strategy.name, 'best', () => setup.strategy.instance.best!(state))
        : bestFinishedTrial(this.trials, setup.objective)?.trialId;
    } catch (error) {
      this.reportPluginError(error);
      bestId = bestFinishedTrial(this.trials, setup.objective)?.trialId;
    }
    const best = bestId === undefined ? undefined : this.trials[bestId];
    return {
      best:
        best && best.value !== null && best.value !== undefined
          ? { trialId: best.trialId, params: best.params, metric: setup.objective.metric, value: best.value, resource: best.resource }
          : null,
      trials: this.trials.map(summarizeTrial),
      budget: { unit: this.ledger.unit, limit: this.ledger.limit, spent: this.ledger.spent },
      seed: setup.seed,
      strategy: setup.strategy.name,
      trainer: setup.trainer.name,
      trainerInfo: setup.trainer.info,
      objective: setup.objective,
      resourceUnit: setup.resourceUnit,
      elapsedSeconds: this.now,
      ...(this.failure ? { error: this.failure } : {}),
    };
  }
}

/** Plays a recorded segment back through the same report path, instead of training. */
async function replaySegment(recorded: RecordedSegment, onReport: (report: Report) => ReportVerdict): Promise<SegmentResult> {
  for (const report of recorded.reports) {
    if (onReport(report) === 'stop') break;
  }
  const { result, error } = recorded.end;
  if (error) throw Object.assign(new Error(error.message), { code: error.state === 'infeasible' ? 'INFEASIBLE' : 'PLUGIN_FAILED' });
  return result!;
}
