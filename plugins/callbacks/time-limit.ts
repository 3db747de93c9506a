import { defineCallback } from '../../core/index.ts';

interface TimeLimitOptions {
  seconds: number;
}

/** Stops a trial once it has trained for `seconds` (training time, as charged to the budget). */
export const timeLimit = defineCallback<TimeLimitOptions>({
  name: 'time-limit',
  description: 'Stops a trial after a number of seconds of training.',
  schema: {
    type: 'object',
    required: ['seconds'],
    properties: { seconds: { type: 'number', exclusiveMinimum: 0 } },
  },
  create(options) {
    return {
      onReport(report) {
        if (report.progress.seconds >= options.seconds) {
          return { stop: true, reason: `time limit: trained ${report.progress.seconds.toFixed(2)} s >= ${options.seconds} s` };
        }
      },
    };
  },
});
