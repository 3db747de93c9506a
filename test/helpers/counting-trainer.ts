import type { SegmentJob, Trainer, TrainerSession, TrainRequest } from '../../index.ts';

/** A trainer whose whole state is the examples it trained: 100 per segment, checkpointed as text. */
export function countingTrainer(events: string[]): Trainer {
  const session = (trialId: number, examples: number): TrainerSession => ({
    async train(request, onReport) {
      events.push(`train ${trialId} from ${examples}`);
      examples += 100;
      const progress = { examples, steps: examples / 10, seconds: 0 };
      await onReport({ progress, metrics: { examples }, batchSize: request.batchSize, learningRate: request.learningRate });
      return { progress, exhausted: false, stopped: false };
    },
    dispose: () => void events.push(`dispose ${trialId}`),
    checkpoint: () => Promise.resolve(new TextEncoder().encode(String(examples))),
  });
  return {
    prepare: () => Promise.resolve({}),
    open: ({ trialId }) => Promise.resolve(session(trialId, 0)),
    restore: ({ trialId }, bytes) => {
      events.push(`restore ${trialId}`);
      return Promise.resolve(session(trialId, Number(new TextDecoder().decode(bytes))));
    },
  };
}

export const request: TrainRequest = { limits: {}, batchSize: 10, learningRate: 0.1 };
/** Segment `seg` of trial 7, each asking for 100 more examples. */
export const segment = (seg: number): SegmentJob => ({
  trial: { trialId: 7, params: { batchSize: 10, learningRate: 0.1 }, seed: 1 },
  seg,
  request,
  history: new Array<TrainRequest>(seg).fill(request),
  final: false,
});
