/**
 * Define-by-run, for users who come from Optuna: one async function trains a trial and reports as it
 * goes; `defineObjective` turns it into a trainer plugin. The engine's decisions reach the function
 * through its own reports: `await trial.report(...)` returns at once while the segment goes on, waits
 * when the segment has ended (the trial is paused) until the scheduler continues it, and returns with
 * `trial.shouldStop()` true when the trial is over (stopped, pruned, or the search ended). So the
 * function continues from where it stopped: its loop, weights and optimizer are simply still there.
 */
import { defineTrainer, type Objective, type Params, type ResourceUnit, type SpaceConfig, type TrainerDefinition } from '../core/index.ts';
import { DrivenSession, type ReportPoint } from './driven-session.ts';

export interface ObjectiveTrial {
  readonly trialId: number;
  readonly params: Params;
  /** The trial's seed (initial weights, shuffling): the same for the same search seed and trial id. */
  readonly seed: number;
  /** The batch size and learning rate to train with now (a schedule may change them between segments). */
  readonly batchSize: number;
  readonly learningRate: number;
  /**
   * Reports the objective (a number, under the objective's metric) or several metrics, at a cumulative
   * number of examples. Await it: it resolves when training may go on.
   */
  report(value: number | Record<string, number | null>, at: ReportPoint): Promise<void>;
  /** True once the trial is over: return from the function. */
  shouldStop(): boolean;
}

export type ObjectiveFunction = (trial: ObjectiveTrial) => Promise<void> | void;

export interface ObjectiveOptions {
  /** The trainer's registered name; default "objective". */
  name?: string | undefined;
  /** The metric `report(number)` records, and its direction; default { metric: "value", mode: "min" } (Optuna's default). */
  objective?: Objective | undefined;
  /** The space searched when the config gives none. */
  space?: SpaceConfig | undefined;
  /** The most a trial can train, per unit (schedulers default their maxResource to it). */
  maxResource?: Partial<Record<ResourceUnit, number>> | undefined;
}

export function defineObjective(fn: ObjectiveFunction, options: ObjectiveOptions = {}): TrainerDefinition<Record<string, never>> {
  const objective = options.objective ?? { metric: 'value', mode: 'min' as const };
  return defineTrainer({
    name: options.name ?? 'objective',
    description: 'A define-by-run objective function.',
    schema: { type: 'object', properties: {} },
    create() {
      return {
        prepare() {
          return Promise.resolve({
            objective,
            ...(options.space ? { space: options.space } : {}),
            ...(options.maxResource ? { maxResource: options.maxResource } : {}),
          });
        },
        open(handle) {
          let started = false;
          const session: DrivenSession = new DrivenSession(() => {
            if (started) return;
            started = true;
            // The function starts with the first segment and runs across all of them.
            queueMicrotask(() => {
              Promise.resolve()
                .then(() => fn(trial))
                .then(
                  () => {
                    session.finish();
                  },
                  (error: unknown) => {
                    session.fail(error);
                  },
                );
            });
          });
          const trial: ObjectiveTrial = {
            trialId: handle.trialId,
            params: handle.params,
            seed: handle.seed,
            get batchSize() {
              return session.request?.batchSize ?? handle.params.batchSize;
            },
            get learningRate() {
              return session.request?.learningRate ?? handle.params.learningRate;
            },
            async report(value, at) {
              // Past the end a report has no one to go to; the function should have checked shouldStop().
              if (session.ended) return;
              const metrics = typeof value === 'number' ? { [objective.metric]: Number.isFinite(value) ? value : null } : value;
              const verdict = await session.report(metrics, at);
              if (verdict === 'pause') await session.nextSegment();
            },
            shouldStop: () => session.ended,
          };
          return Promise.resolve(session);
        },
      };
    },
  });
}
