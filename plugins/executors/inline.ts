import { hostname } from 'node:os';
import { defineExecutor, errorMessage, TrialHost, type Executor } from '../../core/index.ts';

/**
 * Trains in the search process, one segment at a time, with the trainer the study already prepared. With
 * `concurrency` N the engine's simulated clock models N workers (deterministic for recorded curves).
 */
export const inlineExecutor = defineExecutor<Record<string, never>>({
  name: 'inline',
  description: 'Trains in this process, one segment at a time; concurrency is simulated on the search clock.',
  schema: { type: 'object', properties: {} },
  create(_options, context): Executor {
    const host = new TrialHost(context.localTrainer);
    const placement = { host: hostname(), worker: `pid ${process.pid}`, sharedWith: 0 };
    return {
      slots: 1,
      sequential: true,
      async run(job, handlers) {
        return { result: await host.run(job, handlers.onReport), placement };
      },
      release: (trialId) => host.release(trialId),
      async close() {
        const [first] = await host.close();
        if (first) throw first instanceof Error ? first : new Error(errorMessage(first));
      },
    };
  },
});
