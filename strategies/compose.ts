/**
 * One strategy from a sampler and a scheduler: the engine keeps seeing a single `Strategy`. The
 * scheduler decides start/continue/stop; whenever it starts a trial it draws the configuration from
 * the sampler, which sees every level each trial has reached (the observations), gathered here.
 */
import {
  BatchtuneError,
  createRng,
  defineStrategy,
  type Observation,
  type PluginRef,
  type PluginRegistry,
  type SamplerDefinition,
  type SampleHint,
  type SchedulerDefinition,
  type SearchState,
  type Strategy,
  type StrategyContext,
  type StrategyDefinition,
} from '../core/index.ts';

/** The scheduler's stream is its own, so a scheduler that draws numbers never shifts the sampler's. */
export function composeStrategy(
  sampler: SamplerDefinition,
  samplerOptions: unknown,
  scheduler: SchedulerDefinition,
  schedulerOptions: unknown,
  context: StrategyContext,
): Strategy {
  const proposer = sampler.create(samplerOptions, context);
  const observations: Observation[] = [];
  let current: SearchState | undefined;
  const handle = {
    get capacity() {
      return proposer.capacity;
    },
    draw(hint: SampleHint = {}) {
      if (!current) throw new Error(`scheduler "${scheduler.name}" drew a configuration outside ask()`);
      return proposer.propose({ ...hint, state: current, observations });
    },
  };
  const inner = scheduler.create(schedulerOptions, { ...context, rng: createRng(context.seed, 'scheduler'), sampler: handle });
  return {
    ask(state) {
      current = state;
      return inner.ask(state);
    },
    tell(outcome, state) {
      const { trial, decision } = outcome;
      const reached = trial.state === 'paused' || trial.state === 'completed';
      const target = decision.kind === 'start' || decision.kind === 'continue' ? decision.resource : undefined;
      // A level counts once the trial got there (not cut short by the budget) with a report to judge it by.
      if (reached && target !== undefined && trial.value !== undefined && (outcome.reachedTarget || outcome.exhausted)) {
        observations.push(
          Object.freeze({
            trialId: trial.trialId,
            params: trial.params,
            resource: target,
            value: trial.value,
            ...(trial.tag !== undefined ? { tag: trial.tag } : {}),
          }),
        );
      }
      return inner.tell(outcome, state);
    },
    ...(inner.best ? { best: (state: SearchState) => inner.best?.(state) } : {}),
  };
}

/** A named preset: a scheduler's options with a fixed sampler (`asha` = random + asha). */
export function presetStrategy(
  name: string,
  description: string,
  scheduler: SchedulerDefinition,
  sampler: SamplerDefinition,
  samplerOptions: object = {},
): StrategyDefinition {
  return defineStrategy({
    name,
    description,
    schema: scheduler.schema,
    ...(scheduler.check ? { check: scheduler.check.bind(scheduler) } : {}),
    create: (options, context) => composeStrategy(sampler, samplerOptions, scheduler, options, context),
  });
}

/** The strategy a config's `sampler` + `scheduler` pair resolves to; it looks both up in the study's registry. */
export function composeStrategyFor(registry: PluginRegistry): StrategyDefinition<{ sampler: PluginRef; scheduler: PluginRef }> {
  return defineStrategy({
    name: 'compose',
    description:
      'A sampler (which configurations) under a scheduler (how much resource each gets); what "sampler" + "scheduler" in a config build.',
    schema: {
      type: 'object',
      required: ['sampler', 'scheduler'],
      properties: {
        sampler: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
        scheduler: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
      },
    },
    create(options, context) {
      const sampler = registry.get('sampler', options.sampler.type, 'sampler.type');
      const scheduler = registry.get('scheduler', options.scheduler.type, 'scheduler.type');
      try {
        return composeStrategy(sampler, options.sampler, scheduler, options.scheduler, context);
      } catch (error) {
        // The built-in schedulers name their options as a strategy's; here the config calls them the scheduler's.
        if (error instanceof BatchtuneError && error.code === 'CONFIG_INVALID' && /^strategy\b/.test(error.message)) {
          throw new BatchtuneError(error.code, error.message.replace(/^strategy/, 'scheduler'), { cause: error });
        }
        throw error;
      }
    },
  });
}
