/**
 * An ask/tell study: trials are trained outside the engine (another framework's loop, a cluster you
 * drive yourself) while batchtune decides. `ask()` hands out the next segment to train (a new trial, or
 * a paused one continued by the scheduler); `tell()` feeds a report and answers whether to train on.
 * The engine runs as usual underneath, so the journal is the same as a `run`'s (and `--resume` works on it).
 *
 *   const study = await openStudy({ budget: { limit: 1e6 }, space, sampler: { type: 'tpe' }, scheduler: { type: 'asha' } },
 *     { objective: { metric: 'val_loss', mode: 'min' }, maxResource: { examples: 60000 }, journal: 'study.jsonl' });
 *   for (let asked; (asked = await study.ask()); ) {
 *     let verdict = 'continue';
 *     while (verdict === 'continue') verdict = await study.tell(asked.trialId, { value, examples });
 *   }
 *   const summary = await study.result();
 */
import {
  defineTrainer,
  PLUGIN_KINDS,
  PluginRegistry,
  runStudy,
  type Objective,
  type Params,
  type Progress,
  type ResourceUnit,
  type RunOptions,
  type SearchSummary,
  type StudyConfig,
  type Target,
} from '../core/index.ts';
import { createRegistry } from '../plugins/builtins.ts';
import { composeStrategyFor } from '../strategies/compose.ts';
import { DrivenSession, type DrivenVerdict, type ReportPoint } from './driven-session.ts';

export interface AskedTrial {
  trialId: number;
  params: Params;
  seed: number;
  /** Train with these now (a schedule may change them between segments). */
  batchSize: number;
  learningRate: number;
  /** Where the scheduler wants the trial to be when this segment ends (soft: tell() says when to stop). */
  target?: Target;
  /** Hard caps from the budget. */
  limits: Record<string, number | undefined>;
  /**
   * Where the trial stands: train on from here. Zero for a new trial, and also for a trial handed out
   * again after a resume (this process holds no state of it): the engine then asks it to re-train its
   * history first, segment by segment, uncharged, to catch up.
   */
  progress: Progress;
}

export interface TellReport extends ReportPoint {
  /** The objective's value (under its metric), or give `metrics`. */
  value?: number;
  metrics?: Record<string, number | null>;
}

export interface OpenStudyOptions extends Omit<RunOptions, 'registry'> {
  registry?: PluginRegistry | undefined;
  /** The metric tell() values record and its direction; default { metric: "value", mode: "min" }. */
  objective?: Objective | undefined;
  /** The most a trial can train, per unit (schedulers default their maxResource to it). */
  maxResource?: Partial<Record<ResourceUnit, number>> | undefined;
}

const TRAINER = 'ask-tell';

export class AskTellStudy {
  private readonly sessions = new Map<number, DrivenSession>();
  private readonly handles = new Map<DrivenSession, { trialId: number; params: Params; seed: number }>();
  private readonly ready: DrivenSession[] = [];
  private waiting: Array<(session: DrivenSession | undefined) => void> = [];
  private finished = false;
  private readonly summary: Promise<SearchSummary>;

  constructor(
    config: Omit<StudyConfig, 'trainer'>,
    private readonly options: OpenStudyOptions = {},
  ) {
    const objective = options.objective ?? { metric: 'value', mode: 'min' as const };
    const queue = (session: DrivenSession) => {
      this.offer(session);
    };
    const handles = this.handles;
    const sessions = this.sessions;
    // A registry of its own: this study's trainer feeds this study's queue, whatever else shares the caller's registry.
    const registry = copyRegistry(options.registry ?? createRegistry());
    registry.register(
      defineTrainer({
        name: TRAINER,
        description: 'Trials trained outside the engine, through an ask/tell study.',
        schema: { type: 'object', properties: {} },
        create: () => ({
          prepare: () => Promise.resolve({ objective, ...(options.maxResource ? { maxResource: options.maxResource } : {}) }),
          open: (handle) => {
            const session = new DrivenSession(queue);
            handles.set(session, handle);
            sessions.set(handle.trialId, session);
            return Promise.resolve(session);
          },
        }),
      }),
    );
    const run: Partial<OpenStudyOptions> = { ...options };
    delete run.objective;
    delete run.maxResource;
    // Trials train where the caller is: always in this process.
    this.summary = runStudy({ ...config, trainer: { type: TRAINER }, executor: { type: 'inline' } }, { ...run, registry }).finally(() => {
      this.finished = true;
      for (const resolve of this.waiting) resolve(undefined);
      this.waiting = [];
    });
    // A failed search answers ask() with undefined; result() rethrows.
    this.summary.catch(() => {});
  }

  /** The next segment to train, or undefined once the search is over. */
  async ask(): Promise<AskedTrial | undefined> {
    const session =
      this.ready.shift() ??
      (this.finished ? undefined : await new Promise<DrivenSession | undefined>((resolve) => this.waiting.push(resolve)));
    if (!session) return undefined;
    const handle = this.handles.get(session);
    const request = session.request;
    if (!handle || !request) throw new Error(`a session queued for ask() has ${handle ? 'no request' : 'no trial'}`);
    return {
      ...handle,
      batchSize: request.batchSize,
      learningRate: request.learningRate,
      ...(request.target ? { target: request.target } : {}),
      limits: { ...request.limits },
      progress: { ...session.at },
    };
  }

  /**
   * A report of trial `trialId` at a cumulative number of examples. 'continue': train on and tell again;
   * 'pause': this segment is done (the trial may come back from ask()); 'stop': the trial is over.
   */
  async tell(trialId: number, report: TellReport): Promise<DrivenVerdict> {
    const session = this.sessions.get(trialId);
    if (!session) throw new Error(`tell(${trialId}): no such trial; ask() hands out trial ids`);
    if (session.ended) return 'stop';
    const metric = this.options.objective?.metric ?? 'value';
    const metrics =
      report.metrics ?? (report.value !== undefined ? { [metric]: Number.isFinite(report.value) ? report.value : null } : undefined);
    if (!metrics) throw new Error(`tell(${trialId}): give value or metrics`);
    return session.report(metrics, report);
  }

  /** The trial cannot train any further (its data or epochs ran out): its segment ends and the trial completes. */
  finish(trialId: number): void {
    this.sessions.get(trialId)?.finish();
  }

  /** The trial failed (the engine marks it failed and goes on). */
  fail(trialId: number, error: unknown): void {
    this.sessions.get(trialId)?.fail(error);
  }

  /** The search's summary, once the engine has no more segments to hand out. */
  result(): Promise<SearchSummary> {
    return this.summary;
  }

  private offer(session: DrivenSession): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(session);
    else this.ready.push(session);
  }
}

/** Every definition of `source` but its ask-tell trainer; "compose" is rebound so it finds plugins the config loads. */
function copyRegistry(source: PluginRegistry): PluginRegistry {
  const registry = new PluginRegistry();
  for (const kind of PLUGIN_KINDS) {
    for (const definition of source.all(kind)) {
      if ((kind === 'trainer' && definition.name === TRAINER) || (kind === 'strategy' && definition.name === 'compose')) continue;
      registry.register(definition);
    }
  }
  return registry.register(composeStrategyFor(registry));
}

/** Opens an ask/tell study on a config without a trainer (it is the caller). */
export function openStudy(config: Omit<StudyConfig, 'trainer'>, options: OpenStudyOptions = {}): Promise<AskTellStudy> {
  // A bad config rejects, as from every other entry point, rather than throwing at the call.
  return new Promise((resolve) => {
    resolve(new AskTellStudy(config, options));
  });
}
