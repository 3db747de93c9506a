import { configError, defineScheduler, type Decision, type StrategyContext } from '../core/index.ts';
import { presetStrategy } from './compose.ts';
import { randomSampler } from './samplers/random.ts';
import { bestAtHighestRung, fidelityProperties, HalvingBracket, ladder, resolveFidelity, type FidelityOptions } from './rungs.ts';
import { at } from '../core/indexed.ts';

interface SuccessiveHalvingOptions extends FidelityOptions {
  nConfigs?: number;
}

/**
 * What successive halving spends with n configurations on the rungs r_0 < ... < r_K (r_K = max):
 * promoted trials continue, so rung k costs n_k·(r_k − r_{k−1}) (r_{−1} = 0), with n_0 = n and
 * n_{k+1} = ⌈n_k/η⌉:   C(n) = Σ_k n_k·(r_k − r_{k−1}).
 */
export function halvingCost(n: number, rungs: readonly number[], eta: number): number {
  let cost = 0;
  let count = n;
  let below = 0;
  for (const r of rungs) {
    cost += count * (r - below);
    below = r;
    count = Math.ceil(count / eta - 1e-9);
  }
  return cost;
}

/**
 * The fixed-budget form (Karnin et al. 2013; Jamieson & Talwalkar 2016): with the rungs fixed by
 * minResource, maxResource and η, the number of configurations is the largest n the budget B pays
 * for in full, n* = max{ n ≤ |space| : C(n) ≤ B }. C is nondecreasing in n, so a binary search
 * finds it. (Without the ceilings C(n) ≈ n·r_0·(1 + K(η−1)/η) for rungs r_0·η^k, so n* ≈ B / that.)
 */
export function configsForBudget(budget: number, rungs: readonly number[], eta: number, poolSize: number): number {
  let lo = 0;
  let hi = Math.min(poolSize, Math.floor(budget / at(rungs, 0)));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (halvingCost(mid, rungs, eta) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** n from the options, else from the budget; errors say which option to change. */
function chooseConfigs(
  options: SuccessiveHalvingOptions,
  context: StrategyContext,
  rungs: number[],
  eta: number,
  poolSize: number,
): number {
  if (options.nConfigs !== undefined) return Math.min(options.nConfigs, poolSize);
  const { budget, resourceUnit: unit } = context;
  if (budget.unit === 'trials') return Math.min(Math.floor(budget.limit), poolSize);
  if (budget.unit !== unit) {
    if (Number.isFinite(poolSize)) return poolSize;
    throw configError(
      'strategy.nConfigs',
      `is required: the budget is counted in ${budget.unit} and the rungs in ${unit}, so the budget cannot choose how many configurations to start`,
    );
  }
  const smallest = Math.min(Math.ceil(eta), poolSize);
  const firstRung = smallest * at(rungs, 0);
  if (budget.limit < firstRung) {
    throw configError(
      'strategy',
      `the budget (${budget.limit} ${unit}) is too small for one rung (n × minResource = ${smallest} × ${rungs[0]} = ${firstRung} ${unit}); raise budget.limit or lower strategy.minResource`,
    );
  }
  const needed = halvingCost(smallest, rungs, eta);
  if (budget.limit < needed) {
    throw configError(
      'strategy',
      `the budget (${budget.limit} ${unit}) cannot take ${smallest} configurations through the rungs ${rungs.join(', ')} (needs ${needed} ${unit}); raise budget.limit, lower strategy.maxResource, or set strategy.nConfigs`,
    );
  }
  return configsForBudget(budget.limit, rungs, eta, poolSize);
}

/**
 * Successive halving (synchronous): n configurations start at minResource; at each rung, once all
 * of its trials are back, the top ⌈n_k/η⌉ continue to the next rung (min·η^k, capped at max) and the
 * rest are stopped. n is `nConfigs`, or the most the budget pays for in full (see configsForBudget).
 */
export const successiveHalvingScheduler = defineScheduler<SuccessiveHalvingOptions>({
  name: 'successive-halving',
  description: 'Starts n configurations at minResource; at each rung the top 1/η continue, the rest are stopped.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...fidelityProperties,
      nConfigs: {
        type: 'integer',
        minimum: 1,
        description:
          'Configurations to start; default: the most the budget takes through every rung (when the budget is in the resource unit), capped at the size of the space.',
      },
    },
  },
  create(options, context) {
    const fidelity = resolveFidelity(options, context);
    const rungs = ladder(fidelity.min, fidelity.max, fidelity.eta, fidelity.unit);
    const { sampler } = context;
    const n = chooseConfigs(options, context, rungs, fidelity.eta, sampler.capacity);
    const bracket = new HalvingBracket({
      resources: rungs,
      n,
      eta: fidelity.eta,
      objective: context.objective,
      unit: fidelity.unit,
      label: 'successive-halving',
      draw: () => sampler.draw(),
    });
    return {
      ask(state): Decision {
        const decision = bracket.next(state);
        if (decision) return decision;
        return !bracket.done && state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell(outcome, state) {
        bracket.tell(outcome, state);
      },
      best() {
        return bestAtHighestRung(bracket.rungs, context.objective.mode);
      },
    };
  },
});

/** The `successive-halving` strategy: random configurations under the successive-halving scheduler. */
export const successiveHalvingStrategy = presetStrategy(
  'successive-halving',
  successiveHalvingScheduler.description,
  successiveHalvingScheduler,
  randomSampler,
);
