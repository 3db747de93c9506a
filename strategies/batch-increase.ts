import {
  bestAtHighestLevel,
  configError,
  defineSampler,
  defineScheduler,
  defineStrategy,
  resolveMaxResource,
  type Decision,
  type OptionsSchema,
  type Params,
  type SearchState,
  type SegmentSettings,
  type StrategyContext,
  type TrialView,
  trialCandidate,
  trialSeed,
} from '../core/index.ts';
import { composeStrategy } from './compose.ts';
import { at } from '../core/indexed.ts';

export type ScheduleName = 'constant' | 'lr-decay' | 'batch-increase';
const SCHEDULE_NAMES: readonly ScheduleName[] = ['constant', 'lr-decay', 'batch-increase'];

interface BatchIncreaseOptions {
  baseBatchSize?: number;
  learningRate?: number;
  milestones?: number[];
  factor: number;
  maxBatchSize?: number;
  totalExamples?: number;
  schedules: ScheduleName[];
}

/** One segment of a schedule: train up to `until` examples with these settings. */
interface ScheduleSegment {
  until: number;
  batchSize: number;
  learningRate: number;
}

interface Schedule {
  name: ScheduleName;
  segments: ScheduleSegment[];
}

/** The tag each trial carries: its schedule's name. */
interface ScheduleTag {
  schedule: ScheduleName;
  /** Which drawn base configuration, when the scheduler runs several. */
  config?: number;
}

/**
 * The segments of each schedule (Smith et al. 2017, "Don't decay the learning rate, increase the
 * batch size"). Between milestones m_1 < m_2 < ... segment i (from 0) uses
 * - constant: batch B₀ and rate η₀ throughout;
 * - lr-decay: batch B₀, rate η₀ / kⁱ;
 * - batch-increase: batch min(B₀·kⁱ, maxBatchSize) and rate η₀·batch/(B₀·kⁱ), so the noise scale
 *   η/B falls by kⁱ in both decaying schedules; past the cap the rate decays instead (their hybrid).
 */
export function buildSchedules(
  o: {
    baseBatchSize: number;
    learningRate: number;
    milestones: number[];
    factor: number;
    maxBatchSize?: number | undefined;
    totalExamples: number;
  },
  names: readonly ScheduleName[] = SCHEDULE_NAMES,
): Schedule[] {
  const ends = [...o.milestones, o.totalExamples];
  return names.map((name) => ({
    name,
    segments: ends.map((until, i) => {
      const decay = o.factor ** i;
      if (name === 'constant') return { until, batchSize: o.baseBatchSize, learningRate: o.learningRate };
      if (name === 'lr-decay') return { until, batchSize: o.baseBatchSize, learningRate: o.learningRate / decay };
      const batchSize = Math.min(Math.round(o.baseBatchSize * decay), o.maxBatchSize ?? Infinity);
      return { until, batchSize, learningRate: (o.learningRate * batchSize) / (o.baseBatchSize * decay) };
    }),
  }));
}

/** Checks that every segment is a whole number of steps, so all schedules end at the same example. */
function checkSegmentsFit(schedules: Schedule[], explicit: { milestones: boolean; total: boolean }): void {
  for (const schedule of schedules) {
    let from = 0;
    for (const [i, segment] of schedule.segments.entries()) {
      const length = segment.until - from;
      if (length % segment.batchSize !== 0) {
        const last = i === schedule.segments.length - 1;
        const path = last ? 'strategy.totalExamples' : `strategy.milestones[${i}]`;
        const step = lcm(schedules.flatMap((s) => s.segments.map((g) => g.batchSize)));
        const why = explicit[last ? 'total' : 'milestones'] ? '' : ' (the default)';
        throw configError(
          path,
          `${segment.until}${why} leaves ${length} examples for the "${schedule.name}" segment at batch ${segment.batchSize}, not a whole number of steps; use multiples of ${step} so every schedule ends at the same number of examples`,
          segment.until,
        );
      }
      from = segment.until;
    }
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(values: number[]): number {
  return values.reduce((a, b) => (a * b) / gcd(a, b), 1);
}

/** Largest multiple of `step` at or below `value` (at least `step`). */
function roundDown(value: number, step: number): number {
  return Math.max(step, Math.floor(value / step) * step);
}

/**
 * The schedules from options, space and trainer, checked (each error names its field), and the
 * params every trial starts with: the space's first configuration at B₀ (its extras included).
 */
function resolveSchedules(options: BatchIncreaseOptions, context: StrategyContext): { schedules: Schedule[]; params: Params } {
  if (context.resourceUnit !== 'examples') {
    throw configError(
      'resource',
      'strategy "batch-increase" needs resource "examples" (its milestones count examples)',
      context.resourceUnit,
    );
  }
  const baseBatchSize = options.baseBatchSize ?? at(context.space.batchSizes, 0);
  const point = context.space.finite ? context.space.firstWith(baseBatchSize) : undefined;
  const learningRate = options.learningRate ?? point?.learningRate ?? at(context.space.learningRatesFor(baseBatchSize), 0);
  if (options.maxBatchSize !== undefined && options.maxBatchSize < baseBatchSize) {
    throw configError('strategy.maxBatchSize', `must be >= baseBatchSize ${baseBatchSize}`, options.maxBatchSize);
  }
  const explicit = { milestones: options.milestones !== undefined, total: options.totalExamples !== undefined };
  const shape = { baseBatchSize, learningRate, factor: options.factor, maxBatchSize: options.maxBatchSize };
  // Defaults are rounded down to a whole number of steps of every batch size the schedules use
  // (the sizes depend on how many milestones there are, not on where they fall).
  const count = options.milestones?.length ?? 2;
  const probe = buildSchedules(
    { ...shape, milestones: Array.from({ length: count }, (_, i) => i + 1), totalExamples: count + 1 },
    options.schedules,
  );
  const step = lcm(probe.flatMap((s) => s.segments.map((g) => g.batchSize)));
  const totalExamples = options.totalExamples ?? roundDown(resolveMaxResource(undefined, context, 'strategy.totalExamples'), step);
  // Milestones default to 1/2 and 3/4 of the run, where a step schedule usually decays.
  const milestones = options.milestones ?? [roundDown(totalExamples / 2, step), roundDown((3 * totalExamples) / 4, step)];
  milestones.forEach((m, i) => {
    if (!(m > (milestones[i - 1] ?? 0))) throw configError(`strategy.milestones[${i}]`, 'must be > 0 and increasing', m);
    if (m >= totalExamples) throw configError(`strategy.milestones[${i}]`, `must be below totalExamples ${totalExamples}`, m);
  });
  const schedules = buildSchedules({ ...shape, milestones, totalExamples }, options.schedules);
  checkSegmentsFit(schedules, explicit);
  const needed = totalExamples * schedules.length;
  if (context.budget.unit === 'examples' && context.budget.limit < needed) {
    throw configError(
      'budget.limit',
      `is below what batch-increase needs: ${schedules.length} schedules × ${totalExamples} examples = ${needed}`,
      context.budget.limit,
    );
  }
  return { schedules, params: { ...point, batchSize: baseBatchSize, learningRate } };
}

interface Run {
  schedule: Schedule;
  params: Params;
  seed: number;
  tag: ScheduleTag;
  trialId?: number;
  /** The next segment to ask for. */
  next: number;
  inFlight: boolean;
  done: boolean;
}

const scheduleSchema: OptionsSchema = {
  type: 'object',
  properties: {
    baseBatchSize: { type: 'integer', minimum: 1, description: 'Starting batch size B₀; default: the smallest of the space.' },
    learningRate: { type: 'number', exclusiveMinimum: 0, description: "Starting learning rate η₀; default: the space's rate at B₀." },
    milestones: {
      type: 'array',
      minItems: 1,
      items: { type: 'integer', minimum: 1 },
      description: 'Examples at which the learning rate decays or the batch grows; default: 1/2 and 3/4 of totalExamples.',
    },
    factor: {
      type: 'number',
      exclusiveMinimum: 1,
      default: 5,
      description: 'k: the rate is divided, or the batch multiplied, by k at each milestone.',
    },
    maxBatchSize: { type: 'integer', minimum: 1, description: 'Cap on the batch; past it the rate decays instead. Default: no cap.' },
    totalExamples: { type: 'integer', minimum: 1, description: 'Examples each schedule trains; default: the most the trainer offers.' },
    schedules: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: [...SCHEDULE_NAMES] },
      default: [...SCHEDULE_NAMES],
      description: 'Which schedules to run, in order.',
    },
  },
};

/**
 * The batch-increase scheduler: for each base configuration drawn from the sampler (`nConfigs` of
 * them), one trial per schedule, trained segment by segment between milestones, from the base's batch
 * size B₀ and learning rate η₀ (unless the options fix them). The schedules of one base share a seed
 * (the same initial weights and shuffles: a paired comparison); each trial's tag names its schedule.
 */
export const batchIncreaseScheduler = defineScheduler<BatchIncreaseOptions & { nConfigs: number }>({
  name: 'batch-increase',
  description:
    'Constant vs. learning-rate decay vs. batch-size increase at equal examples (Smith et al. 2017), from each drawn configuration.',
  schema: {
    ...scheduleSchema,
    properties: {
      ...scheduleSchema.properties,
      nConfigs: {
        type: 'integer',
        minimum: 1,
        default: 1,
        description: 'Base configurations to draw from the sampler; each runs every schedule.',
      },
    },
  },
  create(options, context) {
    // The space's defaults are checked now, so a bad option fails before any training.
    resolveSchedules(options, context);
    const { sampler } = context;
    const limit = Math.min(options.nConfigs, sampler.capacity);
    const runs: Run[] = [];
    let drawn = 0;
    let misfit: Error | undefined;
    let rejected = 0;
    /** Opens the schedules from a drawn base; false when they cannot fit its batch size (drawn again instead). */
    const open = (params: Params): boolean => {
      const base = {
        ...options,
        baseBatchSize: options.baseBatchSize ?? params.batchSize,
        learningRate: options.learningRate ?? params.learningRate,
      };
      let schedules: Schedule[];
      try {
        schedules = resolveSchedules(base, context).schedules;
      } catch (error) {
        misfit = error instanceof Error ? error : new Error(String(error));
        rejected += 1;
        return false;
      }
      const seed = trialSeed(context.seed, drawn);
      for (const schedule of schedules) {
        const tag: ScheduleTag = limit > 1 ? { schedule: schedule.name, config: drawn } : { schedule: schedule.name };
        runs.push({
          schedule,
          params: { ...params, batchSize: base.baseBatchSize, learningRate: base.learningRate },
          seed,
          tag,
          next: 0,
          inFlight: false,
          done: false,
        });
      }
      drawn += 1;
      return true;
    };
    return {
      ask(state: SearchState): Decision {
        for (;;) {
          for (const run of runs) {
            if (run.done || run.inFlight) continue;
            const segment = at(run.schedule.segments, run.next);
            const settings: SegmentSettings = { batchSize: segment.batchSize, learningRate: segment.learningRate };
            run.inFlight = true;
            const final = run.next === run.schedule.segments.length - 1 ? { final: true } : {};
            if (run.trialId === undefined) {
              run.trialId = state.trials.length;
              // One seed for every schedule of a base: they start from the same weights and see the same shuffles.
              return { kind: 'start', params: run.params, resource: segment.until, tag: run.tag, settings, seed: run.seed, ...final };
            }
            return { kind: 'continue', trialId: run.trialId, resource: segment.until, settings, ...final };
          }
          const params = drawn < limit && rejected < MAX_MISFITS ? sampler.draw() : undefined;
          if (!params) break;
          open(params);
        }
        // Not one drawn base could take the schedules: say why rather than end with nothing run.
        if (drawn === 0 && misfit) throw misfit;
        return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell(outcome) {
        const run = runs.find((r) => r.trialId === outcome.trial.trialId);
        if (!run) return;
        run.inFlight = false;
        run.next += 1;
        // A trial that ended (a callback, a failure) or that the trainer cannot continue is done.
        if (outcome.trial.state !== 'paused' || outcome.exhausted || run.next >= run.schedule.segments.length) run.done = true;
      },
      best(state) {
        return bestSchedule(state.trials, context.objective)?.trialId;
      },
    };
  },
});

/** Bases whose batch size cannot take the schedules (a milestone past the end) are skipped, up to this many. */
const MAX_MISFITS = 100;

/** The space's own base configuration, once: what the `batch-increase` preset starts every schedule from. */
const spaceBase = defineSampler<BatchIncreaseOptions>({
  name: 'batch-increase-base',
  description: "The configuration at the space's first batch size (internal to the batch-increase preset).",
  schema: { type: 'object', properties: {} },
  create(options, context) {
    let given = false;
    return {
      get capacity() {
        return given ? 0 : 1;
      },
      propose() {
        if (given) return undefined;
        given = true;
        return resolveSchedules(options, context).params;
      },
    };
  },
});

/**
 * The `batch-increase` strategy: the three schedules from the space's first batch size (or the
 * options' B₀ and η₀), as before samplers existed. Give `"sampler"` + `"scheduler": { "type":
 * "batch-increase" }` to draw the base configuration(s) instead.
 */
export const batchIncreaseStrategy = defineStrategy<BatchIncreaseOptions>({
  name: 'batch-increase',
  description: 'Constant vs. learning-rate decay vs. batch-size increase at equal examples (Smith et al. 2017).',
  schema: scheduleSchema,
  create: (options, context) => composeStrategy(spaceBase, options, batchIncreaseScheduler, { ...options, nConfigs: 1 }, context),
});

/** The schedule a trial ran, from its tag. */
export function scheduleOf(trial: { tag?: unknown }): ScheduleName | undefined {
  const tag = trial.tag as Partial<ScheduleTag> | undefined;
  return tag && typeof tag === 'object' && SCHEDULE_NAMES.includes(tag.schedule as ScheduleName) ? tag.schedule : undefined;
}

/** The best objective at the last report among trials that went furthest; ties go to fewer steps. */
function bestSchedule(trials: readonly TrialView[], objective: { mode: 'min' | 'max' }): TrialView | undefined {
  const ran = trials.filter((t) => scheduleOf(t) && t.state !== 'failed' && t.state !== 'infeasible').map(trialCandidate);
  return bestAtHighestLevel(ran, objective.mode, (c) => c.trial.progress.examples)?.trial;
}
