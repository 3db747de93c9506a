import { defineScheduler, type Decision } from '../core/index.ts';
import { presetStrategy } from './compose.ts';
import { randomSampler } from './samplers/random.ts';
import { bestAtHighestRung, fidelityProperties, floorLog, HalvingBracket, ladder, resolveFidelity, type FidelityOptions } from './rungs.ts';
import { at } from '../core/indexed.ts';

interface HyperbandOptions extends FidelityOptions {
  iterations: number;
}

/** One bracket of the plan: s halvings, n configurations starting at R·η^-s. */
interface BracketPlan {
  iteration: number;
  s: number;
  n: number;
  resources: number[];
}

/**
 * The brackets of Li et al. 2017: s_max = ⌊log_η(R/r)⌋; bracket s (s_max down to 0, most
 * exploratory first) starts n_s = ⌈(s_max+1)/(s+1) · η^s⌉ configurations at r_s = R·η^-s and halves
 * them on the rungs r_s·η^i, i = 0..s (the top rung is R).
 */
export function hyperbandPlan(min: number, max: number, eta: number, unit: Parameters<typeof ladder>[3], iterations = 1): BracketPlan[] {
  const sMax = floorLog(max / min, eta);
  const plan: BracketPlan[] = [];
  for (let iteration = 0; iteration < iterations; iteration++) {
    for (let s = sMax; s >= 0; s--) {
      const n = Math.ceil(((sMax + 1) / (s + 1)) * eta ** s - 1e-9);
      plan.push({ iteration, s, n, resources: ladder(max * eta ** -s, max, eta, unit) });
    }
  }
  return plan;
}

/**
 * Hyperband: successive halving in brackets that trade the number of configurations against the
 * resource each starts with. Brackets run in order; with concurrency > 1 a bracket that waits for its
 * rung lends the free slots to the next one. Configurations are drawn without replacement across all
 * brackets; the budget is shared through the ledger (the search ends when it is spent). Trials are
 * tagged `{ bracket: s }` (plus `iteration` when there are several).
 */
export const hyperbandScheduler = defineScheduler<HyperbandOptions>({
  name: 'hyperband',
  description: 'Successive halving in brackets from many configurations at little resource to few at full resource (Li et al. 2017).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...fidelityProperties,
      iterations: {
        type: 'integer',
        minimum: 1,
        default: 1,
        description: 'How many times to run the whole set of brackets (while the budget lasts).',
      },
    },
  },
  create(options, context) {
    const fidelity = resolveFidelity(options, context);
    const plan = hyperbandPlan(fidelity.min, fidelity.max, fidelity.eta, fidelity.unit, options.iterations);
    const brackets: HalvingBracket[] = [];
    const open = (p: BracketPlan) =>
      new HalvingBracket({
        resources: p.resources,
        n: p.n,
        eta: fidelity.eta,
        objective: context.objective,
        unit: fidelity.unit,
        tag: options.iterations > 1 ? { bracket: p.s, iteration: p.iteration } : { bracket: p.s },
        label: `hyperband bracket ${p.s}`,
        // The sampler learns which bracket it draws for (a per-bracket model, as Optuna's HyperbandPruner gives).
        draw: () => context.sampler.draw({ bracket: p.s }),
      });
    return {
      ask(state): Decision {
        for (const bracket of brackets) {
          const decision = bracket.next(state);
          if (decision) return decision;
        }
        while (brackets.length < plan.length) {
          const bracket = open(at(plan, brackets.length));
          brackets.push(bracket);
          const decision = bracket.next(state);
          if (decision) return decision;
        }
        return brackets.some((b) => !b.done) && state.running > 0 ? { kind: 'wait' } : { kind: 'done' };
      },
      tell(outcome, state) {
        brackets.find((b) => b.owns(outcome.trial.trialId))?.tell(outcome, state);
      },
      best() {
        return bestAtHighestRung(
          brackets.flatMap((b) => b.rungs),
          context.objective.mode,
        );
      },
    };
  },
});

/** The `hyperband` strategy: random configurations under the hyperband scheduler. */
export const hyperbandStrategy = presetStrategy('hyperband', hyperbandScheduler.description, hyperbandScheduler, randomSampler);
