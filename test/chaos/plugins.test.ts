/**
 * Chaos: plugins that lie. Every hook of every plugin kind, with every kind of fault — throw, hang,
 * never settle, NaN, wrong shape, mutate what it is handed, loop without progress — must give the
 * documented outcome: a failed trial or a reported and ignored hook, or a search that ends with a one-line
 * error naming the plugin and the hook. Never a crash, a silent wrong result, or a hang.
 */
import { fileURLToPath } from 'node:url';
import {
  createRegistry,
  defineCallback,
  defineStrategy,
  defineTrainer,
  errorMessage,
  MemoryStore,
  runStudy,
  SearchEvents,
  type Decision,
  type SearchSummary,
  type Strategy,
  type Trainer,
} from '../../index.ts';
import { tabularTrainer } from '../../plugins/trainers/tabular.ts';
import { tally } from './tally.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

const table = fileURLToPath(new URL('../fixtures/tabular/digits-steps.json', import.meta.url));
const never = () => new Promise<never>(() => {});

type Fault = 'throw' | 'never settles' | 'NaN' | 'wrong shape' | 'mutates' | 'loops';

/** The tabular trainer, with one hook made faulty. */
function faultyTrainer(hook: 'prepare' | 'open' | 'train' | 'dispose', fault: Fault) {
  return defineTrainer<{ file: string }>({
    ...tabularTrainer,
    name: 'faulty-trainer',
    create(options, env) {
      const inner: Trainer = tabularTrainer.create(options, env);
      return {
        prepare: () => (hook === 'prepare' ? (fault === 'throw' ? Promise.reject(new Error('disk on fire')) : never()) : inner.prepare()),
        async open(trial) {
          if (hook === 'open') return fault === 'throw' ? Promise.reject(new Error('no GPU')) : never();
          const session = await inner.open(trial);
          return {
            train(request, onReport) {
              if (hook !== 'train') return session.train(request, onReport);
              switch (fault) {
                case 'throw':
                  return Promise.reject(new Error('segfault'));
                case 'never settles':
                  return never();
                case 'NaN':
                  return session.train(request, (r) => onReport({ ...r, progress: { ...r.progress, examples: NaN } }));
                case 'wrong shape':
                  return session.train(request, (r) => onReport({ progress: r.progress } as never));
                default:
                  // Over-reports progress tenfold: it would overspend the budget unseen.
                  return session.train(request, (r) => onReport({ ...r, progress: { ...r.progress, examples: r.progress.examples * 10 } }));
              }
            },
            dispose: () => (hook === 'dispose' ? (fault === 'throw' ? Promise.reject(new Error('leak')) : never()) : session.dispose()),
          };
        },
      };
    },
  });
}

/** A grid strategy, with one hook made faulty. */
function faultyStrategy(hook: 'ask' | 'tell' | 'best', fault: Fault) {
  return defineStrategy<Record<string, never>>({
    name: 'faulty-strategy',
    description: 'a grid that lies',
    schema: { type: 'object', properties: {} },
    create(_options, context) {
      const points = context.space.grid().slice(0, 4);
      let next = 0;
      let asked = 0;
      const strategy: Strategy = {
        ask(state): Decision | Promise<Decision> {
          asked += 1;
          if (hook === 'ask' && asked === 2) {
            if (fault === 'throw') throw new Error('bad math');
            if (fault === 'never settles') return never();
            if (fault === 'NaN') return { kind: 'start', params: at(points, 1), resource: NaN };
            if (fault === 'wrong shape') return null as never;
            if (fault === 'mutates') (state.trials[0] as { state: string }).state = 'paused';
            if (fault === 'loops') return { kind: 'continue', trialId: 0, resource: 1 };
          }
          if (hook === 'ask' && fault === 'loops' && asked > 2 && state.trials[0]?.state === 'paused')
            return { kind: 'continue', trialId: 0, resource: 1 };
          if (next < points.length) {
            const final = !(hook === 'ask' && fault === 'loops' && next === 0);
            return { kind: 'start', params: at(points, next++), resource: 5000, ...(final ? { final: true } : {}) };
          }
          return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
        },
        tell(outcome) {
          if (hook !== 'tell') return;
          if (fault === 'throw') throw new Error('bad bookkeeping');
          if (fault === 'never settles') return never();
          if (fault === 'mutates') (outcome.trial as { value: number }).value = 99;
        },
      };
      if (hook === 'best') {
        strategy.best = () => {
          if (fault === 'throw') throw new Error('no idea');
          if (fault === 'never settles') return never();
          if (fault === 'NaN') return NaN;
          return 'trial 0' as never;
        };
      }
      return strategy;
    },
  });
}

/** A strategy whose first decision is the given (invalid) one. */
function badDecision(name: string, decision: unknown) {
  return defineStrategy<Record<string, never>>({
    name,
    description: 'returns a malformed decision',
    schema: { type: 'object', properties: {} },
    create: () => ({ ask: () => decision as Decision, tell() {} }),
  });
}

/** A callback with one hook made faulty. */
function faultyCallback(hook: 'onReport' | 'onTrialEnd', fault: Fault) {
  return defineCallback<Record<string, never>>({
    name: 'faulty-callback',
    description: 'a callback that lies',
    schema: { type: 'object', properties: {} },
    create: () => ({
      async onReport(report, trial) {
        if (hook !== 'onReport') return;
        if (fault === 'throw') throw new Error('oops');
        if (fault === 'never settles') return never();
        if (fault === 'mutates') (trial as { value: number }).value = 99;
        if (fault === 'wrong shape') return 'stop please' as never;
      },
      onTrialEnd() {
        if (hook !== 'onTrialEnd') return;
        if (fault === 'throw') throw new Error('oops');
        if (fault === 'never settles') return never();
      },
    }),
  });
}

async function run(overrides: { trainer?: string; strategy?: string; callbacks?: object[] }, registry = createRegistry()) {
  const events = new SearchEvents();
  const errors: string[] = [];
  events.on('pluginError', (e) => errors.push(`${e.plugin} ${e.hook}: ${e.message}`));
  const config = {
    seed: 1,
    budget: { limit: 1e7 },
    timeouts: { segmentSeconds: 0.5, hookSeconds: 0.5, prepareSeconds: 0.5 },
    space: {
      configs: [
        { batchSize: 4, learningRate: 0.2 },
        { batchSize: 16, learningRate: 0.2 },
        { batchSize: 64, learningRate: 0.2 },
        { batchSize: 256, learningRate: 0.2 },
      ],
    },
    strategy: { type: overrides.strategy ?? 'grid', ...(overrides.strategy ? {} : { maxResource: 5000 }) },
    trainer: { type: overrides.trainer ?? 'tabular', file: table },
    callbacks: overrides.callbacks ?? [],
  };
  try {
    return { summary: await runStudy(config, { registry, journal: new MemoryStore(), events }), errors };
  } catch (error) {
    return { thrown: (error as Error).message, errors };
  }
}

/** What every case must show: the search finished with its trials, or ended with an error naming who failed. */
type Expectation = (result: { summary?: SearchSummary; thrown?: string; errors: string[] }) => void;

const trialsFail =
  (pattern: RegExp): Expectation =>
  ({ summary }) => {
    expect(defined(summary, 'summary').trials.every((t) => t.state === 'failed')).toBe(true);
    expect(at(defined(summary, 'summary').trials, 0).reason).toMatch(pattern);
    expect(defined(summary, 'summary').best).toBeNull();
  };
const searchEnds =
  (pattern: RegExp): Expectation =>
  ({ summary, thrown }) => {
    expect(summary?.error ?? thrown).toMatch(pattern);
  };
const ignored =
  (pattern: RegExp): Expectation =>
  ({ summary, errors }) => {
    expect(defined(summary, 'summary').trials.map((t) => t.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(defined(defined(summary, 'summary').best, 'best').value).toBeLessThan(1);
    expect(errors.some((e) => pattern.test(e))).toBe(true);
  };

const cases: Array<[string, Fault, () => ReturnType<typeof run>, Expectation]> = [
  [
    'trainer prepare',
    'throw',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('prepare', 'throw'))),
    searchEnds(/^faulty-trainer failed in prepare: disk on fire$/),
  ],
  [
    'trainer prepare',
    'never settles',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('prepare', 'never settles'))),
    searchEnds(/faulty-trainer failed in prepare: no answer within/),
  ],
  [
    'trainer open',
    'throw',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('open', 'throw'))),
    trialsFail(/^faulty-trainer failed in open: no GPU$/),
  ],
  [
    'trainer open',
    'never settles',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('open', 'never settles'))),
    trialsFail(/faulty-trainer failed in train: no report for 0.5 s/),
  ],
  [
    'trainer train',
    'throw',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('train', 'throw'))),
    trialsFail(/^faulty-trainer failed in train: segfault$/),
  ],
  [
    'trainer train',
    'never settles',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('train', 'never settles'))),
    trialsFail(/no report for 0.5 s \(timeouts.segmentSeconds\)/),
  ],
  [
    'trainer train',
    'NaN',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('train', 'NaN'))),
    trialsFail(/returned an invalid value from train: report.progress.examples: must be/),
  ],
  [
    'trainer train',
    'wrong shape',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('train', 'wrong shape'))),
    trialsFail(/returned an invalid value from train: report.metrics: is required/),
  ],
  [
    'trainer train',
    'loops',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('train', 'loops'))),
    trialsFail(/do not fit batch size/),
  ],
  [
    'trainer dispose',
    'throw',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('dispose', 'throw'))),
    ignored(/faulty-trainer dispose: faulty-trainer failed in dispose: leak/),
  ],
  [
    'trainer dispose',
    'never settles',
    () => run({ trainer: 'faulty-trainer' }, createRegistry().register(faultyTrainer('dispose', 'never settles'))),
    ignored(/inline release: .*no answer within 0.5 s/),
  ],
  [
    'strategy ask',
    'throw',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('ask', 'throw'))),
    searchEnds(/^faulty-strategy failed in ask: bad math$/),
  ],
  [
    'strategy ask',
    'never settles',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('ask', 'never settles'))),
    searchEnds(/^faulty-strategy failed in ask: no answer within 0.5 s$/),
  ],
  [
    'strategy ask',
    'NaN',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('ask', 'NaN'))),
    searchEnds(/^faulty-strategy returned an invalid value from ask: decision.resource: must be/),
  ],
  [
    'strategy ask',
    'wrong shape',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('ask', 'wrong shape'))),
    searchEnds(/^faulty-strategy returned an invalid value from ask: decision: must be an object \(got null\)$/),
  ],
  [
    'strategy ask',
    'wrong shape',
    () => run({ strategy: 'shapeless' }, createRegistry().register(badDecision('shapeless', { kind: 'start', resource: 100 }))),
    searchEnds(/^shapeless returned an invalid value from ask: decision.params: is required$/),
  ],
  [
    'strategy ask',
    'wrong shape',
    () =>
      run(
        { strategy: 'negative' },
        createRegistry().register(badDecision('negative', { kind: 'start', params: { batchSize: -8, learningRate: 0.1 }, resource: 100 })),
      ),
    searchEnds(/^negative returned an invalid value from ask: decision.params.batchSize: must be >= 1 \(got -8\)$/),
  ],
  [
    'strategy ask',
    'mutates',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('ask', 'mutates'))),
    searchEnds(/^faulty-strategy failed in ask: Cannot assign to read only property 'state'/),
  ],
  [
    'strategy ask',
    'loops',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('ask', 'loops'))),
    searchEnds(/asked for 100 segments in a row that trained nothing; it makes no progress/),
  ],
  [
    'strategy tell',
    'throw',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('tell', 'throw'))),
    ignored(/faulty-strategy tell: faulty-strategy failed in tell: bad bookkeeping/),
  ],
  [
    'strategy tell',
    'never settles',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('tell', 'never settles'))),
    ignored(/faulty-strategy failed in tell: no answer within 0.5 s/),
  ],
  [
    'strategy tell',
    'mutates',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('tell', 'mutates'))),
    ignored(/Cannot assign to read only property 'value'/),
  ],
  [
    'strategy best',
    'throw',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('best', 'throw'))),
    ignored(/faulty-strategy failed in best: no idea/),
  ],
  [
    'strategy best',
    'never settles',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('best', 'never settles'))),
    ignored(/faulty-strategy failed in best: no answer within 0.5 s/),
  ],
  [
    'strategy best',
    'NaN',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('best', 'NaN'))),
    ignored(/returned an invalid value from best: must be the id of a trial \(0 to 3\) or undefined \(got null\)/),
  ],
  [
    'strategy best',
    'wrong shape',
    () => run({ strategy: 'faulty-strategy' }, createRegistry().register(faultyStrategy('best', 'wrong shape'))),
    ignored(/returned an invalid value from best: must be the id of a trial \(0 to 3\) or undefined \(got "trial 0"\)/),
  ],
  [
    'callback onReport',
    'throw',
    () => run({ callbacks: [{ type: 'faulty-callback' }] }, createRegistry().register(faultyCallback('onReport', 'throw'))),
    ignored(/faulty-callback failed in onReport: oops/),
  ],
  [
    'callback onReport',
    'never settles',
    () => run({ callbacks: [{ type: 'faulty-callback' }] }, createRegistry().register(faultyCallback('onReport', 'never settles'))),
    ignored(/faulty-callback failed in onReport: no answer within 0.5 s/),
  ],
  [
    'callback onReport',
    'mutates',
    () => run({ callbacks: [{ type: 'faulty-callback' }] }, createRegistry().register(faultyCallback('onReport', 'mutates'))),
    ignored(/Cannot assign to read only property 'value'/),
  ],
  [
    'callback onTrialEnd',
    'throw',
    () => run({ callbacks: [{ type: 'faulty-callback' }] }, createRegistry().register(faultyCallback('onTrialEnd', 'throw'))),
    ignored(/faulty-callback failed in onTrialEnd: oops/),
  ],
  [
    'callback onTrialEnd',
    'never settles',
    () => run({ callbacks: [{ type: 'faulty-callback' }] }, createRegistry().register(faultyCallback('onTrialEnd', 'never settles'))),
    ignored(/faulty-callback failed in onTrialEnd: no answer within 0.5 s/),
  ],
];

test.each(cases)(
  '%s that %s',
  async (hook, fault, go, expectation) => {
    const result = await go();
    let passed = false;
    try {
      expectation(result);
      passed = true;
    } finally {
      tally(`faulty plugins: ${hook.split(' ')[0]}`, passed);
    }
  },
  20000,
);

test('an objective no report has stops the search with a config error naming the metric and what the trainer reports', async () => {
  const { thrown } = await run({});
  expect(thrown).toBeUndefined();
  const bad = await runStudy(
    {
      seed: 1,
      budget: { limit: 1e6 },
      objective: { metric: 'val_accuracy' },
      strategy: { type: 'grid', maxResource: 5000 },
      trainer: { type: 'tabular', file: table },
    },
    { journal: new MemoryStore() },
  ).catch((e: unknown) => errorMessage(e));
  expect(bad).toBe('objective.metric: trainer "tabular" reports no metric "val_accuracy"; its reports have val_acc, val_loss, train_loss');
  tally('faulty plugins: config seen at run time', true);
});
