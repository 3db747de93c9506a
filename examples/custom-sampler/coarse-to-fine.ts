/**
 * A sampler written outside batchtune and loaded through `"plugins"` in a config. It proposes batch
 * sizes coarse to fine on log₂ (the smallest, the largest, the middle, then the quarters...), and at each
 * one the learning rate that has done best so far at the nearest batch size already tried (a random one
 * while nothing is known). It keeps no hidden state that the requests do not rebuild: given the same
 * seed and the same observations it proposes the same configuration, so `--resume` replays it exactly.
 */
import { defineSampler, isBetter, paramsKey, type Params } from 'batchtune';

/** Indices of 0..n-1 in coarse-to-fine order: ends first, then repeated midpoints. */
export function coarseToFine(n: number): number[] {
  const order = n > 1 ? [0, n - 1] : [0];
  const gaps: Array<[number, number]> = n > 2 ? [[0, n - 1]] : [];
  for (let gap = gaps.shift(); gap !== undefined; gap = gaps.shift()) {
    const [lo, hi] = gap;
    if (hi - lo < 2) continue;
    const mid = Math.floor((lo + hi) / 2);
    order.push(mid);
    gaps.push([lo, mid], [mid, hi]);
  }
  return order;
}

export const coarseToFineSampler = defineSampler({
  name: 'coarse-to-fine',
  description: 'Batch sizes coarse to fine on log2; at each, the learning rate that did best nearby.',
  schema: { type: 'object', properties: {} },
  create(_options, context) {
    const { space, rng, objective } = context;
    const points: Params[] = space.grid();
    const sizes = space.batchSizes;
    const order = coarseToFine(sizes.length).flatMap((i) => sizes[i] ?? []);
    const proposed = new Set<string>();
    return {
      get capacity() {
        return points.length - proposed.size;
      },
      propose({ observations }) {
        const left = points.filter((p) => !proposed.has(paramsKey(p)));
        if (left.length === 0) return undefined;
        // The next batch size in coarse-to-fine order that still has a configuration left.
        const batchSize = order.find((b) => left.some((p) => p.batchSize === b));
        if (batchSize === undefined) return undefined;
        const here = left.filter((p) => p.batchSize === batchSize);
        // The best observation so far (at the highest level any trial reached), at the nearest batch size.
        const top = Math.max(...observations.map((o) => o.resource), -Infinity);
        const atTop = observations.filter((o) => o.resource === top && o.value !== null);
        const nearest = atTop.sort(
          (a, b) =>
            Math.abs(Math.log2(a.params.batchSize / batchSize)) - Math.abs(Math.log2(b.params.batchSize / batchSize)) ||
            a.trialId - b.trialId,
        );
        const closest = nearest[0];
        const distance = closest ? Math.abs(Math.log2(closest.params.batchSize / batchSize)) : undefined;
        const best = nearest
          .filter((o) => Math.abs(Math.log2(o.params.batchSize / batchSize)) === distance)
          .reduce<(typeof atTop)[number] | undefined>((a, o) => (!a || isBetter(o.value, a.value, objective.mode) ? o : a), undefined);
        const chosen = (best && here.find((p) => p.learningRate === best.params.learningRate)) ?? here[rng.int(here.length)];
        if (!chosen) return undefined;
        proposed.add(paramsKey(chosen));
        return chosen;
      },
    };
  },
});
