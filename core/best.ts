import { score, type Objective } from './objective.ts';
import type { TrialView } from './trial.ts';

/** What the choice of a best trial looks at; trials, summaries, rung entries and table rows all have it. */
export interface Candidate {
  trialId: number;
  /** The objective at the point it is judged; null or undefined when there is none (diverged, no report). */
  value: number | null | undefined;
  /** How far it trained, in the search's resource unit; more wins a tie. */
  resource?: number;
  /** Optimizer steps taken; fewer wins a tie at equal resource (the same result, cheaper). */
  steps?: number;
}

/**
 * The one ordering of candidates, best first: the better objective (mode-aware), then more resource,
 * then fewer steps, then the lower trial id, so every tie breaks the same way everywhere.
 */
export function compareCandidates(mode: Objective['mode']) {
  return (a: Candidate, b: Candidate): number =>
    score(b.value, mode) - score(a.value, mode) ||
    (b.resource ?? 0) - (a.resource ?? 0) ||
    (a.steps ?? 0) - (b.steps ?? 0) ||
    a.trialId - b.trialId;
}

/** The best candidate with a finite objective, or undefined when none has one. */
export function bestOf<T extends Candidate>(candidates: Iterable<T>, mode: Objective['mode']): T | undefined {
  const compare = compareCandidates(mode);
  let best: T | undefined;
  for (const candidate of candidates) {
    if (score(candidate.value, mode) === -Infinity) continue;
    if (!best || compare(candidate, best) < 0) best = candidate;
  }
  return best;
}

/**
 * The best candidate among those that reached the highest resource level any of them reached with a
 * finite objective, so a trial is only ever compared with trials trained as far. `levelOf` says which
 * level a candidate stands at (a rung, or the examples a schedule reached).
 */
export function bestAtHighestLevel<T extends Candidate>(
  candidates: readonly T[],
  mode: Objective['mode'],
  levelOf: (c: T) => number,
): T | undefined {
  const finite = candidates.filter((c) => score(c.value, mode) > -Infinity);
  if (finite.length === 0) return undefined;
  const top = Math.max(...finite.map(levelOf));
  return bestOf(
    finite.filter((c) => levelOf(c) === top),
    mode,
  );
}

/** A trial as a candidate, judged at its last report. */
export function trialCandidate<T extends TrialView>(trial: T): Candidate & { trial: T } {
  return { trialId: trial.trialId, value: trial.value, resource: trial.resource, steps: trial.progress.steps, trial };
}

/**
 * The best trial among those that finished (completed, or stopped early by a callback) after training
 * something, judged at their last report. A trial that saw no example is never best.
 */
export function bestFinishedTrial<T extends TrialView>(trials: readonly T[], objective: Objective): T | undefined {
  const finished = trials.filter((t) => (t.state === 'completed' || t.state === 'stopped') && trained(t)).map(trialCandidate);
  return bestOf(finished, objective.mode)?.trial;
}

/** It took at least one step. */
export function trained(trial: Pick<TrialView, 'progress'>): boolean {
  return trial.progress.examples > 0 || trial.progress.steps > 0;
}
