import type { TrialView } from '../core/index.ts';

/** How many distinct reasons (and trials per reason) a line lists before it says how many more there are. */
const SHOWN = 5;

/**
 * Each distinct reason once, with what it ended: `tabular failed in open: boom (trials 0, 1, 2); ...`.
 * `ended` pairs a reason with a name for what it ended (a trial id, `seed 1 batch 32`).
 */
export function distinctReasons(ended: ReadonlyArray<{ reason: string; what: string }>, noun = 'trial'): string {
  const byReason = new Map<string, string[]>();
  for (const { reason, what } of ended) byReason.set(reason, [...(byReason.get(reason) ?? []), what]);
  const reasons = [...byReason].map(([reason, whats]) => {
    const which = whats.length > SHOWN ? `${whats.slice(0, 3).join(', ')} and ${whats.length - 3} more` : whats.join(', ');
    return `${reason} (${noun}${whats.length > 1 ? 's' : ''} ${which})`;
  });
  const more = reasons.length > SHOWN ? `; and ${reasons.length - SHOWN} other reasons` : '';
  return `${reasons.slice(0, SHOWN).join('; ')}${more}`;
}

/**
 * When every trial of a search failed or did not fit in memory, the one line that says so and why
 * (`every trial failed (3 of 3): tabular failed in open: boom (trials 0, 1, 2)`); undefined when a
 * trial has a result, or when there were no trials.
 */
export function everyTrialFailed(trials: readonly Pick<TrialView, 'trialId' | 'state' | 'reason'>[]): string | undefined {
  if (trials.length === 0 || !trials.every((t) => t.state === 'failed' || t.state === 'infeasible')) return undefined;
  const ended = trials.map((t) => ({ reason: t.reason ?? `${t.state}, no reason given`, what: String(t.trialId) }));
  return `every trial failed (${trials.length} of ${trials.length}): ${distinctReasons(ended)}`;
}
