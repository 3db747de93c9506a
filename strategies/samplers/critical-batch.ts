import { defineSampler, paramsKey, type Params, type TrialView } from '../../core/index.ts';
import { median } from '../median-stopping.ts';
import { at } from '../../core/indexed.ts';

interface CriticalBatchOptions {
  metric: string;
  plateau: number;
}

/** B_simple as measured so far: the median over trials of each one's latest finite value of the metric. */
function measuredNoiseScale(trials: readonly TrialView[], metric: string): number | undefined {
  const latest = trials
    .map((t) => [...t.reports].reverse().find((r) => Number.isFinite(r.metrics[metric]))?.metrics[metric])
    .filter((v): v is number => typeof v === 'number' && v > 0);
  return latest.length > 0 ? median(latest) : undefined;
}

/**
 * The throughput plateau: the smallest batch size whose measured examples per second (median over its
 * trials, from their last report) is within `fraction` of the fastest measured. Past it a larger batch
 * no longer trains faster. Undefined until two batch sizes are measured.
 */
function throughputPlateau(trials: readonly TrialView[], fraction: number): number | undefined {
  const speeds = new Map<number, number[]>();
  for (const t of trials) {
    const last = t.reports.at(-1);
    if (!last || !(last.progress.seconds > 0)) continue;
    const list = speeds.get(t.params.batchSize) ?? [];
    list.push(last.progress.examples / last.progress.seconds);
    speeds.set(t.params.batchSize, list);
  }
  if (speeds.size < 2) return undefined;
  const bySize = [...speeds].map(([b, v]) => [b, median(v)] as const).sort((a, b) => a[0] - b[0]);
  const fastest = Math.max(...bySize.map(([, v]) => v));
  const plateau = bySize.find(([, v]) => v >= fraction * fastest);
  if (!plateau) throw new RangeError(`no batch size reaches ${fraction} of the fastest throughput ${fastest}`);
  return plateau[0];
}

/**
 * Places batch sizes around the critical batch size (McCandlish et al. 2018): the gradient noise scale
 * B_simple, from reports' `noise_scale` metric (trainers measure it with their `noiseScale` option),
 * capped at the throughput plateau. Until a trial has measured it, the first proposal probes the middle
 * batch size (on log₂) and the next are random; then the configurations left are proposed nearest
 * first on log₂ (ties in a seeded random order). Without a measurement it stays a random sampler.
 */
export const criticalBatchSampler = defineSampler<CriticalBatchOptions>({
  name: 'critical-batch',
  description: 'Proposes batch sizes nearest the measured gradient noise scale B_simple, capped at the throughput plateau.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      metric: { type: 'string', minLength: 1, default: 'noise_scale', description: 'The report metric holding B_simple.' },
      plateau: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.9,
        description: 'A batch size within this fraction of the fastest throughput is on the plateau.',
      },
    },
  },
  create(options, context) {
    const { space, rng } = context;
    const order: Params[] | undefined = space.finite ? rng.shuffle(space.grid()) : undefined;
    const proposed = new Set<string>();
    const sizes = space.batchSizes;
    const middle = at(sizes, Math.floor((sizes.length - 1) / 2));

    const atSize = (batchSize: number): Params => {
      const rates = space.learningRatesFor(batchSize);
      return { ...space.sample(rng), batchSize, learningRate: at(rates, rng.int(rates.length)) };
    };
    const nearest = (center: number, pool: Params[]): Params =>
      pool.reduce(
        (best, p) => (Math.abs(Math.log2(p.batchSize / center)) < Math.abs(Math.log2(best.batchSize / center)) - 1e-12 ? p : best),
        at(pool, 0),
      );

    return {
      get capacity() {
        return order ? order.length - proposed.size : Infinity;
      },
      propose({ state }) {
        const pool = order?.filter((p) => !proposed.has(paramsKey(p)));
        if (pool && pool.length === 0) return undefined;
        const noise = measuredNoiseScale(state.trials, options.metric);
        const plateau = throughputPlateau(state.trials, options.plateau);
        let center: number | undefined = noise === undefined ? undefined : Math.min(noise, plateau ?? Infinity);
        // The first proposal probes the middle of the range (any batch size measures B_simple).
        if (center === undefined && state.trials.length === 0) center = middle;
        let chosen: Params;
        if (center === undefined) chosen = pool ? at(pool, 0) : space.sample(rng);
        else if (pool) chosen = nearest(center, pool);
        else
          chosen = atSize(
            sizes.reduce((best, b) => (Math.abs(Math.log2(b / center)) < Math.abs(Math.log2(best / center)) ? b : best), at(sizes, 0)),
          );
        proposed.add(paramsKey(chosen));
        return chosen;
      },
    };
  },
});
