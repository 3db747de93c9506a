/**
 * Training progress and the units it is measured in. Budgets and fidelities are both counted in
 * one of these units; `examples` is the default, so batch sizes are compared at equal examples.
 */
export type ResourceUnit = 'examples' | 'steps' | 'seconds';
export const RESOURCE_UNITS: readonly ResourceUnit[] = ['examples', 'steps', 'seconds'];

/** Cumulative progress of one trial: examples seen, optimizer steps taken, training seconds. */
export interface Progress {
  examples: number;
  steps: number;
  seconds: number;
}

export const ZERO_PROGRESS: Progress = Object.freeze({ examples: 0, steps: 0, seconds: 0 });

/** Cumulative caps, inclusive, in any of the units: training stops before exceeding any of them. */
export type Limits = Partial<Record<ResourceUnit, number>>;

export function progressDelta(after: Progress, before: Progress): Progress {
  return {
    examples: after.examples - before.examples,
    steps: after.steps - before.steps,
    seconds: after.seconds - before.seconds,
  };
}

/**
 * True when a step that ends at `next` stays within the limits. Examples and steps are hard caps;
 * seconds can only be checked before a step starts, so that cap is tested on `current`.
 */
export function withinLimits(current: Progress, next: Progress, limits: Limits): boolean {
  if (limits.examples !== undefined && next.examples > limits.examples) return false;
  if (limits.steps !== undefined && next.steps > limits.steps) return false;
  if (limits.seconds !== undefined && current.seconds >= limits.seconds) return false;
  return true;
}
