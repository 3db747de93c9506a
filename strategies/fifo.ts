import { defineScheduler, resolveMaxResource, type Decision } from '../core/index.ts';

export interface FifoOptions {
  maxResource?: number;
  nTrials?: number;
}

/** Every trial the sampler proposes trains to `maxResource` in one segment, until nTrials, the sampler or the budget runs out. */
export const fifoScheduler = defineScheduler<FifoOptions>({
  name: 'fifo',
  description: 'Trains each proposed configuration to maxResource, until nTrials, the sampler or the budget runs out.',
  schema: {
    type: 'object',
    properties: {
      maxResource: {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'How far each trial trains, in the resource unit; default: the most the trainer offers.',
      },
      nTrials: { type: 'integer', minimum: 1, description: 'How many trials to start; default: until the budget or the sampler runs out.' },
    },
  },
  create(options, context) {
    const maxResource = resolveMaxResource(options.maxResource, context);
    const { sampler } = context;
    const limit = Math.min(options.nTrials ?? Infinity, sampler.capacity);
    let started = 0;
    let dry = false;
    return {
      ask(state): Decision {
        if (started < limit && !dry) {
          const params = sampler.draw();
          if (params) {
            started += 1;
            return { kind: 'start', params, resource: maxResource, final: true };
          }
          dry = true;
        }
        return state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell() {},
    };
  },
});
