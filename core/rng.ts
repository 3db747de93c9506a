import seedrandom from 'seedrandom';
import { at } from './indexed.ts';

/** A seeded random stream. One seed drives the search; each purpose forks its own stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A copy of the array in random order (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

export function createRng(seed: number, purpose: string): Rng {
  const prng = seedrandom(`batchtune:${seed}:${purpose}`);
  const next = () => prng.quick();
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    shuffle(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [at(out, j), at(out, i)];
      }
      return out;
    },
  };
}

/** A trial's seed: stable for (search seed, trial id), independent of everything else. */
export function trialSeed(seed: number, trialId: number): number {
  return seedrandom(`batchtune:${seed}:trial:${trialId}`).int32() >>> 0;
}
