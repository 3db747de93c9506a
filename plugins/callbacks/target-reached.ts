import { defineCallback, modeFor } from '../../core/index.ts';

interface TargetReachedOptions {
  metric?: string;
  target: number;
  mode?: 'min' | 'max';
}

/** Stops a trial once its metric reaches the target (>= for max, <= for min). */
export const targetReached = defineCallback<TargetReachedOptions>({
  name: 'target-reached',
  description: 'Stops a trial once a metric crosses a target value.',
  schema: {
    type: 'object',
    required: ['target'],
    properties: {
      metric: { type: 'string', minLength: 1, description: 'Metric to watch; default: the objective.' },
      target: { type: 'number' },
      mode: { enum: ['min', 'max'] },
    },
  },
  create(options, { objective }) {
    const metric = options.metric ?? objective.metric;
    const mode = modeFor(metric, objective, options.mode);
    return {
      metrics: [metric],
      onReport(report) {
        const value = report.metrics[metric] ?? null;
        if (value === null || !Number.isFinite(value)) return;
        if (mode === 'max' ? value >= options.target : value <= options.target) {
          return { stop: true, reason: `${metric} reached ${value} (target ${options.target})` };
        }
      },
    };
  },
});
