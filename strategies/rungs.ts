/**
 * The bookkeeping that successive halving, hyperband and ASHA share: the rung ladder, a pool of
 * configurations drawn without replacement, rungs that rank the trials which reached them, a
 * synchronous halving bracket, and the choice of best trial at the highest rung reached.
 */
import {
  bestAtHighestLevel,
  configError,
  resolveMaxResource,
  score,
  type Decision,
  type Objective,
  type Params,
  type ResourceUnit,
  type SearchState,
  type SegmentOutcome,
  type StrategyContext,
} from '../core/index.ts';
import { distinctDraws, type DistinctDraws } from './distinct-draws.ts';
import { at } from '../core/indexed.ts';

/** The options every multi-fidelity strategy takes. */
export interface FidelityOptions {
  minResource?: number;
  maxResource?: number;
  reductionFactor: number;
}

/** Their JSON Schema properties, shared by the strategies' schemas. */
export const fidelityProperties = {
  minResource: {
    type: 'number',
    exclusiveMinimum: 0,
    description:
      "The first rung, in the resource unit; default: maxResource / reductionFactor² (three rungs). Set it at or above the trainer's first report: a trial judged before it has reported has no value and is never promoted.",
  },
  maxResource: {
    type: 'number',
    exclusiveMinimum: 0,
    description: 'The top rung, in the resource unit; default: the most the trainer offers.',
  },
  reductionFactor: { type: 'number', minimum: 2, default: 3, description: 'η: each rung keeps the top 1/η of its trials.' },
} as const;

/** Resolved fidelity settings. */
interface Fidelity {
  min: number;
  max: number;
  eta: number;
  unit: ResourceUnit;
}

/** Checks minResource < maxResource and fills the defaults; errors name the option. */
export function resolveFidelity(options: FidelityOptions, context: StrategyContext): Fidelity {
  const max = resolveMaxResource(options.maxResource, context);
  const eta = options.reductionFactor;
  const min = options.minResource ?? max / (eta * eta);
  if (!(min < max)) throw configError('strategy.minResource', `must be < maxResource (got ${min} >= ${max})`);
  return { min, max, eta, unit: context.resourceUnit };
}

/** Examples and steps are whole numbers; seconds are not. */
export function roundResource(value: number, unit: ResourceUnit): number {
  return unit === 'seconds' ? value : Math.max(1, Math.floor(value + 1e-6));
}

/**
 * The rung ladder: r·η^k for k = 0 .. K−1, then R itself, with K = max(1, ⌊log_η(R/r)⌋). The top
 * rung is always the full resource; when R/r is not a power of η the last step is stretched (a
 * ratio between η and η²) rather than adding a rung barely above the one before it. r = R·η^-s
 * gives exactly s + 1 rungs r·η^0 .. r·η^s = R.
 */
export function ladder(min: number, max: number, eta: number, unit: ResourceUnit): number[] {
  const steps = Math.max(1, floorLog(max / min, eta));
  const rungs: number[] = [];
  for (let k = 0; k < steps; k++) rungs.push(roundResource(min * eta ** k, unit));
  rungs.push(unit === 'seconds' ? max : Math.floor(max + 1e-6));
  return rungs.filter((r, i) => i === 0 || r > at(rungs, i - 1));
}

/** ⌊log_η(x)⌋, robust to floating-point noise (log_3(9) is 1.9999999999999998). */
export function floorLog(x: number, eta: number): number {
  return Math.floor(Math.log(x) / Math.log(eta) + 1e-9);
}

/**
 * Configurations drawn without replacement: a seeded shuffle of the grid when the space is finite,
 * else fresh samples from the strategy's stream.
 */
export class ConfigPool {
  private readonly draws: DistinctDraws;
  private drawn = 0;

  constructor(context: StrategyContext) {
    this.draws = distinctDraws(context.space, context.rng);
  }

  /** How many configurations the pool holds (Infinity for a continuous space). */
  get size(): number {
    return this.draws.size;
  }

  get remaining(): number {
    return this.size - this.drawn;
  }

  next(): Params | undefined {
    const params = this.draws.next();
    if (params) this.drawn += 1;
    return params;
  }
}

/** A trial's result at a rung. */
export interface RungEntry {
  trialId: number;
  /** The objective at the last report of the segment that brought it here; null when it diverged. */
  value: number | null;
  /**
   * It can train further: paused, and not exhausted. Only these are promoted or stopped; a trial the
   * trainer can take no further stays at its rung (the engine completes it at the end).
   */
  alive: boolean;
  /** The budget ran out before it reached the rung: it is not compared there. */
  partial: boolean;
}

/** The entry a segment's outcome gives the rung it was sent to. */
export function entryOf(outcome: SegmentOutcome, state: SearchState): RungEntry {
  const { trial } = outcome;
  const alive = trial.state === 'paused' && !outcome.exhausted;
  return {
    trialId: trial.trialId,
    value: trial.value ?? null,
    alive,
    partial: alive && !outcome.reachedTarget && state.budget.remaining <= 0,
  };
}

/** Best first: higher score (mode-aware), then the lower trial id, so ties break deterministically. */
export function compareEntries(mode: Objective['mode']) {
  return (a: RungEntry, b: RungEntry): number => score(b.value, mode) - score(a.value, mode) || a.trialId - b.trialId;
}

/**
 * The trials that reached one resource level, and which of them went on. The ranking is kept
 * sorted as entries arrive (a binary search and one insertion each) instead of being sorted again
 * for every decision, and so is the list of entries still waiting for a promotion, so a search's
 * bookkeeping grows with its trials, not with their square.
 */
export class Rung {
  readonly entries = new Map<number, RungEntry>();
  readonly promoted = new Set<number>();
  /** For the mode last asked: every ranked entry, and those not yet promoted that can train further, best first. */
  private ranking?: { mode: Objective['mode']; all: RungEntry[]; waiting: RungEntry[] };
  private partial = 0;

  constructor(readonly resource: number) {}

  record(entry: RungEntry): void {
    const previous = this.entries.get(entry.trialId);
    if (previous) this.forget(previous);
    this.entries.set(entry.trialId, entry);
    if (entry.partial) this.partial += 1;
    if (!this.ranking || !rankable(entry, this.ranking.mode)) return;
    const compare = compareEntries(this.ranking.mode);
    insertSorted(this.ranking.all, entry, compare);
    if (entry.alive) insertSorted(this.ranking.waiting, entry, compare);
  }

  /** How many entries fully reached the rung (not cut short by the budget): n_k. */
  get counted(): number {
    return this.entries.size - this.partial;
  }

  /**
   * Entries with a finite objective that fully reached the rung, best first. The array is the
   * rung's own, kept up to date: read it, do not change it.
   */
  ranked(mode: Objective['mode']): readonly RungEntry[] {
    return this.rank(mode).all;
  }

  /**
   * The best entry among the top `quota` of the ranking that is not promoted yet, can train
   * further and that `accept` takes: `ranked(mode).slice(0, quota).find(...)` without walking past
   * the entries already promoted (they leave the waiting list the first time they are seen).
   */
  nextPromotion(mode: Objective['mode'], quota: number, accept: (entry: RungEntry) => boolean): RungEntry | undefined {
    const { all, waiting } = this.rank(mode);
    const compare = compareEntries(mode);
    for (let i = 0; i < waiting.length;) {
      const entry = at(waiting, i);
      if (this.promoted.has(entry.trialId)) {
        waiting.splice(i, 1);
        continue;
      }
      if (insertionPoint(all, entry, compare) >= quota) return undefined;
      if (accept(entry)) return entry;
      i += 1;
    }
    return undefined;
  }

  private rank(mode: Objective['mode']): NonNullable<Rung['ranking']> {
    if (this.ranking?.mode !== mode) {
      const all = [...this.entries.values()].filter((e) => rankable(e, mode)).sort(compareEntries(mode));
      this.ranking = { mode, all, waiting: all.filter((e) => e.alive && !this.promoted.has(e.trialId)) };
    }
    return this.ranking;
  }

  private forget(entry: RungEntry): void {
    if (entry.partial) this.partial -= 1;
    if (!this.ranking) return;
    for (const list of [this.ranking.all, this.ranking.waiting]) {
      const index = list.indexOf(entry);
      if (index >= 0) list.splice(index, 1);
    }
  }
}

function rankable(entry: RungEntry, mode: Objective['mode']): boolean {
  return !entry.partial && score(entry.value, mode) > -Infinity;
}

function insertSorted(sorted: RungEntry[], entry: RungEntry, compare: (a: RungEntry, b: RungEntry) => number): void {
  sorted.splice(insertionPoint(sorted, entry, compare), 0, entry);
}

/** Where `entry` is or would go in `sorted`: the number of entries ranked before it (ranks are unique: ties break by trial id). */
function insertionPoint(sorted: readonly RungEntry[], entry: RungEntry, compare: (a: RungEntry, b: RungEntry) => number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(at(sorted, middle), entry) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The best trial at the highest resource level any rung reached with a finite objective; rungs at
 * the same level (hyperband's brackets all end at maxResource) are compared together, so a trial
 * is only ever compared with trials trained as far.
 */
export function bestAtHighestRung(rungs: readonly Rung[], mode: Objective['mode']): number | undefined {
  const entries = rungs.flatMap((rung) => rung.ranked(mode).map((entry) => ({ ...entry, level: rung.resource })));
  return bestAtHighestLevel(entries, mode, (e) => e.level)?.trialId;
}

interface BracketSpec {
  /** The rung resources, lowest first; the last is the top rung. */
  resources: number[];
  /** Configurations to start at the bottom rung. */
  n: number;
  eta: number;
  objective: Objective;
  unit: ResourceUnit;
  /** Attached to every trial it starts (hyperband's bracket). */
  tag?: unknown;
  /** Names the strategy in stop reasons. */
  label: string;
  draw: () => Params | undefined;
}

/**
 * Synchronous successive halving over one bracket. It starts n trials at the bottom rung; once every
 * trial sent to rung k has come back (reported, or ended: stopped, failed and infeasible trials never
 * block a rung), the top ⌈n_k/η⌉ of them by the objective (ties: lower trial id) that can train
 * further and have a finite value continue to rung k + 1 (continue decisions, best first), and every
 * other one that could train further is stopped (stop decisions first, by trial id).
 * n_k counts every trial sent to rung k, so a failure costs its place, not someone else's.
 */
export class HalvingBracket {
  readonly rungs: Rung[];
  /** Trial ids sent to each rung. */
  private readonly members: number[][];
  /** Trials with a segment in flight, and the rung it goes to. */
  private readonly pending = new Map<number, number>();
  private readonly own = new Set<number>();
  private readonly queue: Decision[] = [];
  private n: number;
  private started = 0;
  private current = 0;
  private finished = false;

  constructor(private readonly spec: BracketSpec) {
    this.rungs = spec.resources.map((r) => new Rung(r));
    this.members = spec.resources.map(() => []);
    this.n = spec.n;
    if (this.n <= 0) this.finished = true;
  }

  /** True once the bracket has nothing more to run. */
  get done(): boolean {
    return this.finished && this.queue.length === 0;
  }

  owns(trialId: number): boolean {
    return this.own.has(trialId);
  }

  /** The next decision the bracket can give now, or undefined while it waits for outcomes (or is done). */
  next(state: SearchState): Decision | undefined {
    if (this.queue.length > 0) return this.queue.shift();
    if (this.finished || this.current !== 0 || this.started >= this.n) return undefined;
    const params = this.spec.draw();
    if (!params) {
      // The pool ran dry: the bracket goes on with the trials it has.
      this.n = this.started;
      this.advance();
      return this.queue.shift();
    }
    const trialId = state.trials.length;
    this.started += 1;
    this.own.add(trialId);
    at(this.members, 0).push(trialId);
    this.pending.set(trialId, 0);
    const final = this.rungs.length === 1 ? { final: true } : {};
    return {
      kind: 'start',
      params,
      resource: at(this.rungs, 0).resource,
      ...(this.spec.tag !== undefined ? { tag: this.spec.tag } : {}),
      ...final,
    };
  }

  tell(outcome: SegmentOutcome, state: SearchState): void {
    const trialId = outcome.trial.trialId;
    const k = this.pending.get(trialId);
    if (k === undefined) return;
    this.pending.delete(trialId);
    at(this.rungs, k).record(entryOf(outcome, state));
    this.advance();
  }

  /** Promotes from every rung that is complete, in order. */
  private advance(): void {
    while (!this.finished) {
      const k = this.current;
      if (k === 0 && this.started < this.n) return;
      if (at(this.rungs, k).entries.size < at(this.members, k).length) return;
      if (k === this.rungs.length - 1 || at(this.members, k).length === 0) {
        this.finished = true;
        return;
      }
      this.promote(k);
      this.current = k + 1;
    }
  }

  private promote(k: number): void {
    const { eta, objective, unit, label } = this.spec;
    const rung = at(this.rungs, k);
    const next = at(this.rungs, k + 1);
    const quota = Math.ceil(at(this.members, k).length / eta - 1e-9);
    const keep = rung
      .ranked(objective.mode)
      .filter((e) => e.alive)
      .slice(0, quota);
    const kept = new Set(keep.map((e) => e.trialId));
    const entries = [...rung.entries.values()].sort((a, b) => a.trialId - b.trialId);
    for (const entry of entries) {
      if (!entry.alive || kept.has(entry.trialId)) continue;
      this.queue.push({
        kind: 'stop',
        trialId: entry.trialId,
        reason: `${label}: not in the top ${quota} of ${at(this.members, k).length} at ${rung.resource} ${unit}`,
      });
    }
    for (const entry of keep) {
      rung.promoted.add(entry.trialId);
      at(this.members, k + 1).push(entry.trialId);
      this.pending.set(entry.trialId, k + 1);
      const final = k + 1 === this.rungs.length - 1 ? { final: true } : {};
      this.queue.push({ kind: 'continue', trialId: entry.trialId, resource: next.resource, ...final });
    }
  }
}
