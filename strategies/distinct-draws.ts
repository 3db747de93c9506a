/**
 * Configurations drawn from a space without replacement, without materialising a large one.
 * Small finite spaces (up to EAGER_LIMIT points) are shuffled whole, exactly as before lazy
 * enumeration existed, so journals and published figures keep their order for the same seed.
 * Larger finite spaces draw uniform mixed-radix digits and reject repeats (a Set of the drawn
 * points: memory grows with the draws, never with the space). Continuous spaces are sampled.
 */
import type { Params, Rng, SearchSpace } from '../core/index.ts';
import { at } from '../core/indexed.ts';

/** Above this many points a finite space is drawn lazily rather than shuffled whole. */
export const EAGER_LIMIT = 100_000;

export interface DistinctDraws {
  /** How many configurations can be drawn (Infinity for a continuous space). */
  readonly size: number;
  /** The next configuration, or undefined once every one has been drawn. */
  next(): Params | undefined;
}

export function distinctDraws(space: SearchSpace, rng: Rng, eagerLimit = EAGER_LIMIT): DistinctDraws {
  if (!space.finite) return { size: Infinity, next: () => space.sample(rng) };
  const size = space.size;
  if (size <= eagerLimit) {
    const shuffled = rng.shuffle(space.grid());
    let drawn = 0;
    return { size: shuffled.length, next: () => (drawn < shuffled.length ? shuffled[drawn++] : undefined) };
  }
  const radices = space.radices();
  // A point's index is its key while indices are exact doubles; beyond 2⁵³ its digits are.
  const exact = size <= Number.MAX_SAFE_INTEGER;
  const keyOf = (digits: number[]) => (exact ? digits.reduce((index, d, i) => index * at(radices, i) + d, 0) : digits.join(','));
  const seen = new Set<number | string>();
  return {
    size,
    next() {
      if (seen.size >= size) return undefined;
      for (;;) {
        const digits = radices.map((r) => rng.int(r));
        const key = keyOf(digits);
        if (seen.has(key)) continue;
        seen.add(key);
        return space.pointAt(digits);
      }
    },
  };
}
