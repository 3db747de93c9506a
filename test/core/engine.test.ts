/**
 * The engine's trial lifecycle, driven through the public API with small plugins: trials end (and free
 * their sessions) the moment their last segment ends, plugins see frozen snapshots, an illegal move is an
 * error that names the plugin, and async hooks are awaited.
 */
import {
  createRegistry,
  defineCallback,
  defineStrategy,
  defineTrainer,
  errorMessage,
  endsBefore,
  MemoryStore,
  runStudy,
  SearchEvents,
  type Decision,
  type Progress,
} from '../../index.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

/** A trainer that counts its live sessions: opened and not yet disposed. */
function countingTrainer() {
  const live = new Set<number>();
  const definition = defineTrainer<Record<string, never>>({
    name: 'counting',
    description: 'counts live sessions',
    schema: { type: 'object', properties: {} },
    create() {
      return {
        prepare() {
          return Promise.resolve({
            objective: { metric: 'score', mode: 'max' as const },
            maxResource: { examples: 1000 },
            space: { batchSize: [10, 20, 50, 100] },
          });
        },
        open({ trialId, params }) {
          live.add(trialId);
          let progress: Progress = { examples: 0, steps: 0, seconds: 0 };
          return Promise.resolve({
            async train(request, onReport) {
              const start = progress;
              const next = () => ({
                examples: progress.examples + params.batchSize,
                steps: progress.steps + 1,
                seconds: progress.seconds + 0.01,
              });
              while (!endsBefore(start, progress, next(), request)) {
                progress = next();
                if (
                  progress.examples % 100 === 0 &&
                  (await onReport({
                    progress,
                    metrics: { score: progress.examples / params.batchSize },
                    batchSize: params.batchSize,
                    learningRate: 0.1,
                  })) === 'stop'
                ) {
                  return { progress, exhausted: false, stopped: true };
                }
              }
              return { progress, exhausted: progress.examples >= 1000, stopped: false };
            },
            dispose() {
              live.delete(trialId);
            },
          });
        },
      };
    },
  });
  return { definition, live };
}

const base = { seed: 1, budget: { limit: 1e6 }, trainer: { type: 'counting' } };

test('a grid trial ends, frees its session and is reported the moment its last segment ends', async () => {
  const { definition, live } = countingTrainer();
  const events = new SearchEvents();
  const order: string[] = [];
  const liveAtEnd: number[] = [];
  events.on('trialStart', ({ trial }) => order.push(`start ${trial.trialId}`));
  events.on('trialEnd', ({ trial }) => {
    order.push(`end ${trial.trialId} ${trial.state}`);
    liveAtEnd.push(live.size);
  });
  await runStudy(
    { ...base, strategy: { type: 'grid', maxResource: 500 } },
    { registry: createRegistry().register(definition), journal: new MemoryStore(), events },
  );
  expect(order).toEqual([
    'start 0',
    'end 0 completed',
    'start 1',
    'end 1 completed',
    'start 2',
    'end 2 completed',
    'start 3',
    'end 3 completed',
  ]);
  expect(liveAtEnd).toEqual([0, 0, 0, 0]);
});

test('successive halving frees each pruned trial when it is stopped and each finalist when its top segment ends', async () => {
  const { definition, live } = countingTrainer();
  const events = new SearchEvents();
  const liveAtEnd: number[] = [];
  events.on('trialEnd', () => liveAtEnd.push(live.size));
  const summary = await runStudy(
    { ...base, strategy: { type: 'successive-halving', minResource: 100, maxResource: 900, reductionFactor: 3, nConfigs: 4 } },
    { registry: createRegistry().register(definition), journal: new MemoryStore(), events },
  );
  expect(summary.trials.map((t) => t.state).sort()).toEqual(['completed', 'pruned', 'pruned', 'pruned']);
  // Sessions only live while their trial can still be promoted: the count never grows past the rung's size.
  expect(liveAtEnd.at(-1)).toBe(0);
  expect(Math.max(...liveAtEnd)).toBeLessThanOrEqual(3);
});

test('plugins get frozen snapshots: a callback that writes to its trial changes nothing', async () => {
  const { definition } = countingTrainer();
  const vandal = defineCallback<Record<string, never>>({
    name: 'vandal',
    description: 'tries to change what it sees',
    schema: { type: 'object', properties: {} },
    create: () => ({
      onReport(report, trial) {
        (trial as { value: number }).value = 99;
      },
    }),
  });
  const events = new SearchEvents();
  const errors: string[] = [];
  events.on('pluginError', (e) => errors.push(`${e.plugin} ${e.hook}`));
  const summary = await runStudy(
    { ...base, strategy: { type: 'grid', maxResource: 200 }, callbacks: [{ type: 'vandal' }] },
    { registry: createRegistry().register(definition).register(vandal), journal: new MemoryStore(), events },
  );
  expect(defined(summary.best, 'summary.best').value).toBe(20);
  expect(errors.every((e) => e === 'vandal onReport')).toBe(true);
  expect(errors.length).toBeGreaterThan(0);
});

test('async callbacks and strategies are awaited', async () => {
  const { definition } = countingTrainer();
  const later = defineCallback<Record<string, never>>({
    name: 'later',
    description: 'answers after a delay',
    schema: { type: 'object', properties: {} },
    create: () => ({
      async onReport(report) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return report.progress.examples >= 300 ? { stop: true, reason: 'enough' } : undefined;
      },
    }),
  });
  const slowGrid = defineStrategy<Record<string, never>>({
    name: 'slow-grid',
    description: 'a grid that thinks before each answer',
    schema: { type: 'object', properties: {} },
    create: (_options, context) => {
      const points = context.space.grid();
      let next = 0;
      return {
        async ask(state): Promise<Decision> {
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (next < points.length) return { kind: 'start', params: at(points, next++), resource: 1000, final: true };
          return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
        },
        async tell() {},
      };
    },
  });
  const summary = await runStudy(
    { ...base, strategy: { type: 'slow-grid' }, callbacks: [{ type: 'later' }] },
    { registry: createRegistry().register(definition).register(later).register(slowGrid), journal: new MemoryStore() },
  );
  expect(summary.trials.map((t) => [t.state, t.resource])).toEqual([
    ['stopped', 300],
    ['stopped', 300],
    ['stopped', 300],
    ['stopped', 300],
  ]);
  expect(at(summary.trials, 0).reason).toBe('later: enough');
});

test('continuing a trial that has ended is an error naming the strategy, and the search stops there', async () => {
  const { definition } = countingTrainer();
  const confused = defineStrategy<Record<string, never>>({
    name: 'confused',
    description: 'continues a finished trial',
    schema: { type: 'object', properties: {} },
    create: () => {
      let asked = 0;
      return {
        ask(state): Decision {
          asked += 1;
          if (asked === 1) return { kind: 'start', params: { batchSize: 10, learningRate: 0.1 }, resource: 100, final: true };
          if (asked === 2) return { kind: 'continue', trialId: 0, resource: 200 };
          return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
        },
        tell() {},
      };
    },
  });
  const summary = await runStudy(
    { ...base, strategy: { type: 'confused' } },
    { registry: createRegistry().register(definition).register(confused), journal: new MemoryStore() },
  );
  expect(summary.error).toBe('strategy "confused": cannot continue trial 0: it is completed');
  expect(at(summary.trials, 0).state).toBe('completed');
});

test('a trial that trained nothing is never completed and never best', async () => {
  const idle = defineTrainer<Record<string, never>>({
    name: 'idle',
    description: 'can take no step, and says so',
    schema: { type: 'object', properties: {} },
    create: () => ({
      prepare() {
        return Promise.resolve({
          objective: { metric: 'score', mode: 'max' as const },
          maxResource: { examples: 100 },
          space: { batchSize: [10, 20] },
        });
      },
      open() {
        return Promise.resolve({
          train() {
            return Promise.resolve({ progress: { examples: 0, steps: 0, seconds: 0 }, exhausted: true, stopped: false });
          },
          dispose() {},
        });
      },
    }),
  });
  const summary = await runStudy(
    { ...base, trainer: { type: 'idle' }, strategy: { type: 'grid' } },
    { registry: createRegistry().register(idle), journal: new MemoryStore() },
  );
  expect(summary.trials.map((t) => [t.state, t.reason])).toEqual([
    ['failed', 'trainer "idle" trained nothing (0 examples)'],
    ['failed', 'trainer "idle" trained nothing (0 examples)'],
  ]);
  expect(summary.best).toBeNull();
});

test('a callback watching a metric that no report has stops the search, naming the callback', async () => {
  const { definition } = countingTrainer();
  const events = new SearchEvents();
  const pluginErrors: string[] = [];
  events.on('pluginError', (e) => pluginErrors.push(e.message));
  const error = await runStudy(
    { ...base, strategy: { type: 'grid', maxResource: 200 }, callbacks: [{ type: 'early-stopping', monitor: 'val_loss' }] },
    { registry: createRegistry().register(definition), journal: new MemoryStore(), events },
  ).catch((e: unknown) => errorMessage(e));
  expect(error).toBe('callbacks[0]: trainer "counting" reports no metric "val_loss"; its reports have score');
  // A config mistake is said once, as the search's error; no plugin failed.
  expect(pluginErrors).toEqual([]);
});
