import type { BudgetLedger } from './budget.ts';
import type { Callback } from './callback.ts';
import { callPlugin, isCoded } from './driver.ts';
import type { Timeouts } from './config.ts';
import { Heartbeat, timeoutError } from './deadline.ts';
import { BatchtuneError, didYouMean, errorMessage } from './errors.ts';
import type { Objective } from './objective.ts';
import { checkReport, checkResult } from './plugin-output.ts';
import { trained } from './best.ts';
import { stoppedByCap } from './target.ts';
import { transition } from './lifecycle.ts';
import type { SearchEvents } from './events.ts';
import type { Executor, SegmentPlacement } from './executor.ts';
import type { JournalRecord, RecordedSegment } from './journal.ts';
import type { Replay } from './replay.ts';
import { progressDelta, type Progress, type ResourceUnit } from './resource.ts';
import type { SearchSpace } from './space.ts';
import type { Decision, SegmentOutcome } from './strategy.ts';
import type { Report, ReportHandler, SegmentResult, TrainRequest } from './trainer.ts';
import { deepFreeze, type TrialRecord } from './trial-record.ts';
import type { TrialState } from './trial.ts';

interface SupervisorSetup {
  objective: Objective;
  trainer: { name: string };
  timeouts: Timeouts;
  resourceUnit: ResourceUnit;
  concurrency: number;
  space: SearchSpace;
  executor: { name: string; instance: Executor };
  callbacks: Array<{ name: string; instance: Callback }>;
  events: SearchEvents;
  store: { sync(): void };
  ledger: BudgetLedger;
  replay: Replay;
  journal(record: JournalRecord): void;
  endTrial(trial: TrialRecord, state: TrialState, reason?: string): Promise<void>;
  reportPluginError(error: unknown, trialId?: number): void;
}

interface SupervisedOutcome {
  outcome: SegmentOutcome;
  /** The segment trained nothing because the budget left could not buy one step of it. */
  blockedByBudget: boolean;
}

/**
 * Runs one segment of one trial through the executor (or replays it from the journal) and owns
 * everything that happens on the way: the request and its budget caps, each report (journaled, charged,
 * shown to the callbacks), a lost worker's restart, and how the trial stands when the segment ends —
 * paused for more, or ended at once (completed, stopped, pruned, failed, infeasible) with its session freed.
 */
export class SegmentSupervisor {
  /** A problem that ends the whole search (a config mistake seen only once reports arrive). */
  fatal: BatchtuneError | undefined;

  constructor(private readonly setup: SupervisorSetup) {}

  async run(trial: TrialRecord, decision: Extract<Decision, { kind: 'start' | 'continue' }>): Promise<SupervisedOutcome> {
    const { setup } = this;
    const { trialId } = trial;
    const seg = trial.segments++;
    const before = trial.progress;
    const reportsBefore = trial.reports.length;
    trial.batchSize = decision.settings?.batchSize ?? trial.batchSize;
    trial.learningRate = decision.settings?.learningRate ?? trial.learningRate;
    const warmup = setup.space.warmupFor(trial.params);
    const request: TrainRequest = {
      limits: setup.ledger.open(
        trialId,
        before,
        this.need(trial, decision.resource),
        setup.executor.instance.sequential ? 1 : setup.concurrency,
      ),
      target: { unit: setup.resourceUnit, value: decision.resource },
      batchSize: trial.batchSize,
      learningRate: trial.learningRate,
      ...(warmup ? { warmup } : {}),
    };
    const recorded = setup.replay.segment(trialId, seg);
    if (!recorded) setup.journal({ t: 'segmentStart', trialId, seg });

    const trainer = setup.trainer.name;
    let stopReason: string | undefined;
    /** The trainer broke its contract or went silent: the trial fails, and later reports are ignored. */
    let broken: Error | undefined;
    let closed = false;
    const { segmentSeconds } = setup.timeouts;
    const heartbeat = recorded
      ? undefined
      : new Heartbeat(segmentSeconds, () => timeoutError(trainer, 'train', `no report for ${segmentSeconds} s (timeouts.segmentSeconds)`));
    const onReport: ReportHandler = async (raw) => {
      if (closed || broken) return 'stop';
      // The engine's own time on a report (callbacks, the journal) is not the trainer's silence.
      heartbeat?.stop();
      let checked: Report;
      try {
        checked = recorded ? raw : checkReport(raw, trainer, trial.progress, request);
        if (trial.reports.length === 0 && !recorded) this.checkMetrics(checked);
      } catch (error) {
        broken = error as Error;
        return 'stop';
      }
      const report = deepFreeze(structuredClone(checked));
      if (!recorded) setup.journal({ t: 'report', trialId, seg, report });
      this.charge(trial, report.progress);
      trial.addReport(report);
      setup.events.emit('report', { trial: trial.snapshot(), report, replayed: recorded !== undefined });
      setup.events.emit('budget', setup.ledger.snapshot());
      stopReason ??= await this.consultCallbacks(report, trial);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the finally below sets it while the callbacks are awaited
      if (!closed) heartbeat?.renew();
      return stopReason ? 'stop' : 'continue';
    };
    const onRestart = (reason: string) => {
      // The segment trains again from its start elsewhere: what it reported so far no longer counts.
      setup.ledger.refund(trialId, progressDelta(trial.progress, before));
      trial.rollback(reportsBefore, before);
      stopReason = undefined;
      setup.reportPluginError(new Error(`${setup.executor.name}: ${reason}; trial ${trialId} segment ${seg} runs again`), trialId);
      setup.journal({ t: 'segmentStart', trialId, seg });
    };

    let result: SegmentResult | undefined;
    let placement: SegmentPlacement | undefined;
    let error: { state: 'failed' | 'infeasible'; message: string } | undefined;
    try {
      if (recorded) {
        result = await replaySegment(recorded, onReport);
        placement = recorded.end.placement;
      } else {
        const history = trial.history.slice();
        const running = setup.executor.instance.run(
          { trial: { trialId, params: trial.params, seed: trial.seed }, seg, request, history, final: decision.final === true },
          { onReport, onRestart },
        );
        if (!heartbeat) throw new Error('a segment that trains (not replayed) has a heartbeat');
        const ran = await Promise.race([running, heartbeat.expired]);
        if (broken) throw broken;
        result = checkResult(ran.result, trainer, trial.progress, request);
        placement = ran.placement;
      }
      this.charge(trial, result.progress);
    } catch (thrown) {
      result = undefined;
      const cause = broken ?? thrown;
      error = { state: isCoded(cause, 'INFEASIBLE') ? 'infeasible' : 'failed', message: errorMessage(cause) };
      // A config mistake found in a report (this.fatal) ends the search with its own message; it is no plugin's failure.
      if (!recorded && error.state === 'failed' && cause !== this.fatal) setup.reportPluginError(cause, trialId);
    } finally {
      closed = true;
      heartbeat?.stop();
    }
    setup.ledger.close(trialId);
    if (!recorded) {
      setup.journal({
        t: 'segmentEnd',
        trialId,
        seg,
        request,
        ...(result ? { result } : {}),
        ...(error ? { error } : {}),
        ...(placement ? { placement } : {}),
      });
      setup.store.sync();
    }
    trial.history.push({ ...request, limits: { examples: trial.progress.examples, steps: trial.progress.steps }, target: undefined });
    trial.noteSegment(decision.resource, placement);

    const reachedTarget = result ? !stoppedByCap(request, { ...result, progress: trial.progress }) : trial.resource >= decision.resource;
    let blockedByBudget = false;
    if (result) {
      trial.exhausted = result.exhausted;
      trial.target = decision.resource;
      trial.cutByBudget = !reachedTarget && !result.exhausted && !stopReason;
      blockedByBudget = trial.cutByBudget && trial.progress.examples === before.examples;
    }
    await this.settle(trial, decision, { error, stopReason, blockedByBudget });
    const outcome: SegmentOutcome = {
      trial: trial.snapshot(),
      decision,
      reachedTarget: reachedTarget || trial.exhausted,
      exhausted: trial.exhausted,
    };
    return { outcome, blockedByBudget };
  }

  /** Where the trial stands after the segment: ended at once when nothing more can or will be trained, else paused. */
  private async settle(
    trial: TrialRecord,
    decision: Extract<Decision, { kind: 'start' | 'continue' }>,
    ending: {
      error?: { state: 'failed' | 'infeasible'; message: string } | undefined;
      stopReason?: string | undefined;
      blockedByBudget: boolean;
    },
  ): Promise<void> {
    const { setup } = this;
    const unit = setup.resourceUnit;
    const { ledger } = setup;
    if (ending.error) return setup.endTrial(trial, ending.error.state, ending.error.message);
    if (ending.stopReason) {
      await setup.endTrial(trial, 'stopped', ending.stopReason);
      setup.events.emit('trialStop', { trial: trial.snapshot(), by: 'callback', reason: ending.stopReason });
      return;
    }
    if (ending.blockedByBudget) {
      return setup.endTrial(
        trial,
        'pruned',
        `the budget left (${ledger.remaining} ${ledger.unit}) cannot buy one step at batch size ${trial.batchSize}`,
      );
    }
    // A trial that never took a step is no result, whatever else is true of it.
    if ((trial.exhausted || decision.final) && !trained(trial))
      return setup.endTrial(trial, 'failed', `trainer "${setup.trainer.name}" trained nothing (0 examples)`);
    if (trial.exhausted) return setup.endTrial(trial, 'completed');
    if (decision.final) {
      if (trial.cutByBudget)
        return setup.endTrial(
          trial,
          'pruned',
          `budget exhausted at ${trial.resource} of its target ${decision.resource} ${unit} (judged there)`,
        );
      return setup.endTrial(trial, 'completed');
    }
    transition(trial, 'paused', 'engine');
    trial.touch();
  }

  /**
   * What the segment may spend, in the budget's unit, for its reservation: the way to its target, plus
   * one step when whole steps do not land on it (it may then end on the step just past the target).
   * Unknown (no cap) for time.
   */
  private need(trial: TrialRecord, target: number): number {
    const { ledger } = this.setup;
    const unit = this.setup.resourceUnit;
    if (ledger.unit === 'trials' || ledger.unit === 'seconds' || unit === 'seconds') return Infinity;
    const left = Math.max(0, target - trial.progress[unit]);
    const batch = trial.batchSize;
    if (unit === 'steps') return ledger.unit === 'steps' ? left : left * batch;
    const steps = Math.ceil(left / batch);
    return ledger.unit === 'examples' ? steps * batch : steps;
  }

  private charge(trial: TrialRecord, progress: Progress): void {
    const raw = progressDelta(progress, trial.progress);
    if (raw.examples <= 0 && raw.steps <= 0 && raw.seconds <= 0) return;
    // Never a negative charge: a session that re-trained to catch up measures its own, different seconds.
    const delta = { examples: Math.max(0, raw.examples), steps: Math.max(0, raw.steps), seconds: Math.max(0, raw.seconds) };
    this.setup.ledger.charge(trial.trialId, delta);
    trial.progress = progress;
    trial.touch();
  }

  /**
   * A trial's first report must carry the objective and every metric a callback watches: a name that no
   * report has is a config mistake, and would otherwise pick no best or stop every trial, silently.
   */
  private checkMetrics(report: Report): void {
    const { objective, callbacks, trainer } = this.setup;
    const has = Object.keys(report.metrics);
    const missing = (metric: string) => !(metric in report.metrics);
    const problem = (path: string, metric: string) =>
      new BatchtuneError(
        'CONFIG_INVALID',
        `${path}: trainer "${trainer.name}" reports no metric ${JSON.stringify(metric)}${didYouMean(metric, has)}; its reports have ${has.join(', ') || 'no metrics'}`,
      );
    if (missing(objective.metric)) this.fatal ??= problem('objective.metric', objective.metric);
    callbacks.forEach(({ instance }, i) => {
      const watched = instance.metrics?.find(missing);
      if (watched) this.fatal ??= problem(`callbacks[${i}]`, watched);
    });
    if (this.fatal) throw this.fatal;
  }

  private async consultCallbacks(report: Report, trial: TrialRecord): Promise<string | undefined> {
    const snapshot = trial.snapshot();
    for (const { name, instance } of this.setup.callbacks) {
      try {
        // Callbacks are user JavaScript, unchecked at load: one may lack onReport, or answer { stop: false }.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
        const verdict = await callPlugin(name, 'onReport', () => instance.onReport?.(report, snapshot), this.setup.timeouts.hookSeconds);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
        if (verdict && verdict.stop) return `${name}: ${verdict.reason}`;
      } catch (error) {
        this.setup.reportPluginError(error, trial.trialId);
      }
    }
    return undefined;
  }
}

/** Plays a recorded segment back through the same report path, instead of training. */
async function replaySegment(recorded: RecordedSegment, onReport: ReportHandler): Promise<SegmentResult> {
  for (const report of recorded.reports) {
    if ((await onReport(report)) === 'stop') break;
  }
  const { result, error } = recorded.end;
  if (error) throw Object.assign(new Error(error.message), { code: error.state === 'infeasible' ? 'INFEASIBLE' : 'PLUGIN_FAILED' });
  if (!result)
    throw new BatchtuneError(
      'JOURNAL_CORRUPT',
      `trial ${recorded.end.trialId} segment ${recorded.end.seg}: its segmentEnd has neither result nor error`,
    );
  return result;
}
