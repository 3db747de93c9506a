import {
  defineSampler,
  paramsKey,
  score,
  type Objective,
  type Observation,
  type Params,
  type Rng,
  type SampleRequest,
} from '../../../core/index.ts';
import { coordinate, dimensionsOfPoints, dimensionsOfSpace, pointOf, type Dimension } from './dimensions.ts';
import { CategoricalParzen, NumericParzen, pickWeighted } from './parzen.ts';
import { at } from '../../../core/indexed.ts';

interface TpeOptions {
  nStartup?: number;
  gamma: number;
  nCandidates: number;
  priorWeight: number;
  perBracket: boolean;
  randomFraction: number;
}

/**
 * The observations the model learns from: those at the highest resource level that has at least
 * `needed` finite results (BOHB, Falkner et al. 2018), so a multi-fidelity scheduler's cheap early rungs
 * teach it until enough trials reach the expensive ones. Undefined while no level has enough.
 */
function modelLevel(observations: readonly Observation[], needed: number, mode: Objective['mode']): Observation[] | undefined {
  const byLevel = new Map<number, Observation[]>();
  for (const o of observations) {
    if (score(o.value, mode) === -Infinity) continue;
    const list = byLevel.get(o.resource) ?? [];
    list.push(o);
    byLevel.set(o.resource, list);
  }
  const levels = [...byLevel.keys()].sort((a, b) => b - a);
  const level = levels.find((r) => (byLevel.get(r)?.length ?? 0) >= needed);
  return level === undefined ? undefined : byLevel.get(level);
}

type Estimator = NumericParzen | CategoricalParzen;

function estimators(dims: readonly Dimension[], group: readonly Observation[], priorWeight: number): Estimator[] {
  return dims.map((d) => {
    const xs = group.map((o) => coordinate(d, o.params)).filter((x) => Number.isFinite(x) && (d.kind === 'numeric' || x >= 0));
    return d.kind === 'numeric'
      ? new NumericParzen(xs, d.low, d.high, { priorWeight })
      : new CategoricalParzen(xs, d.choices.length, { priorWeight });
  });
}

function logDensity(estimators: readonly Estimator[], dims: readonly Dimension[], params: Params): number {
  return dims.reduce((sum, d, i) => {
    const x = coordinate(d, params);
    // A value the dimension does not know (a category never listed) tells l and g nothing.
    return sum + (Number.isFinite(x) && (d.kind === 'numeric' || x >= 0) ? at(estimators, i).logPdf(x) : 0);
  }, 0);
}

/**
 * The tree-structured Parzen estimator (Bergstra et al. 2011, as Optuna 3.1's TPESampler): split the
 * observations at the model's level into the best γ (l) and the rest (g), draw `nCandidates` points
 * from l and propose the one with the highest l(x)/g(x). A finite space is drawn without replacement:
 * candidates come from the configurations not proposed yet, each drawn with probability ∝ l(x).
 */
export const tpeSampler = defineSampler<TpeOptions>({
  name: 'tpe',
  description:
    'Model-based (TPE, Bergstra et al. 2011): proposes the configuration most likely among the best, learning from the highest rung with enough trials (BOHB).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      nStartup: {
        type: 'integer',
        minimum: 1,
        description:
          'Results needed at a resource level before the model is used there; random proposals until then. Default: the number of dimensions + 2, at least 4.',
      },
      gamma: {
        type: 'number',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.15,
        description: 'The fraction of results (rounded up) the model takes as the good ones; 0.15 as BOHB.',
      },
      nCandidates: {
        type: 'integer',
        minimum: 1,
        default: 24,
        description: 'Points drawn from the good-results density; the best ratio is proposed.',
      },
      priorWeight: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Weight of the flat prior in each density.' },
      perBracket: {
        type: 'boolean',
        default: false,
        description:
          "Under hyperband, learn only from the bracket drawn for (Optuna's per-bracket view) instead of from every bracket (BOHB).",
      },
      randomFraction: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0,
        description: 'The share of proposals drawn at random even once the model is used (BOHB uses 1/3).',
      },
    },
  },
  create(options, context) {
    const { space, rng, objective } = context;
    const finite = space.finite;
    // A finite space is visited in a seeded order: random proposals take the next one not yet proposed.
    const order: Params[] | undefined = finite ? rng.shuffle(space.grid()) : undefined;
    const dims = order ? dimensionsOfPoints(order, space) : dimensionsOfSpace(space);
    const needed = options.nStartup ?? Math.max(4, dims.length + 2);
    const proposed = new Set<string>();
    let cursor = 0;

    const take = (params: Params): Params => {
      proposed.add(paramsKey(params));
      return params;
    };
    const remaining = (): Params[] => (order ?? []).filter((p) => !proposed.has(paramsKey(p)));
    const randomPoint = (): Params | undefined => {
      if (!order) return space.sample(rng);
      while (cursor < order.length && proposed.has(paramsKey(at(order, cursor)))) cursor += 1;
      return cursor < order.length ? order[cursor] : undefined;
    };

    const fromModel = (group: Observation[], pool: Params[] | undefined, stream: Rng): Params | undefined => {
      const ranked = [...group].sort((a, b) => score(b.value, objective.mode) - score(a.value, objective.mode) || a.trialId - b.trialId);
      const nBelow = Math.max(1, Math.ceil(options.gamma * ranked.length - 1e-9));
      const good = estimators(dims, ranked.slice(0, nBelow), options.priorWeight);
      const bad = estimators(dims, ranked.slice(nBelow), options.priorWeight);
      const candidates: Params[] = [];
      if (pool) {
        // Candidates from the configurations left, each drawn with probability ∝ l(x).
        const left = [...pool];
        // Relative to the densest point, so many dimensions cannot underflow every weight to zero.
        const logs = left.map((p) => logDensity(good, dims, p));
        const top = Math.max(...logs);
        const weights = logs.map((l) => Math.exp(l - top));
        while (candidates.length < options.nCandidates && left.length > 0) {
          const i = pickWeighted(weights, stream);
          candidates.push(at(left, i));
          left.splice(i, 1);
          weights.splice(i, 1);
        }
      } else {
        for (let c = 0; c < options.nCandidates; c++) {
          const xs = dims.map((_, i) => at(good, i).sample(stream));
          candidates.push(pointOf(dims, xs, space));
        }
      }
      let best: Params | undefined;
      let bestRatio = -Infinity;
      for (const candidate of candidates) {
        const ratio = logDensity(good, dims, candidate) - logDensity(bad, dims, candidate);
        if (ratio > bestRatio) {
          best = candidate;
          bestRatio = ratio;
        }
      }
      return best;
    };

    return {
      get capacity() {
        return order ? order.length - proposed.size : Infinity;
      },
      propose(request: SampleRequest) {
        const pool = order ? remaining() : undefined;
        if (pool && pool.length === 0) return undefined;
        const seen =
          options.perBracket && request.bracket !== undefined
            ? request.observations.filter((o) => (o.tag as { bracket?: number } | undefined)?.bracket === request.bracket)
            : request.observations;
        const group = dims.length > 0 ? modelLevel(seen, needed, objective.mode) : undefined;
        const explore = options.randomFraction > 0 && rng.next() < options.randomFraction;
        const chosen = group && !explore ? fromModel(group, pool, rng) : randomPoint();
        return chosen ? take(chosen) : undefined;
      },
    };
  },
});
