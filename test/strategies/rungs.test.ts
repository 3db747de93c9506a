import seedrandom from 'seedrandom';
import { compareEntries, Rung, type RungEntry } from '../../strategies/rungs.ts';

/** What `ranked` must equal: every finite, fully reached entry, sorted from scratch. */
function sortedFromScratch(rung: Rung, mode: 'min' | 'max'): RungEntry[] {
  return [...rung.entries.values()].filter((e) => !e.partial && e.value !== null && Number.isFinite(e.value)).sort(compareEntries(mode));
}

describe('Rung', () => {
  it.each(['min', 'max'] as const)(
    'keeps its ranking (mode %s) equal to a full sort while entries arrive, tie, diverge and are recorded again',
    (mode) => {
      const random = seedrandom('rung');
      const rung = new Rung(100);
      rung.ranked(mode);
      for (let i = 0; i < 400; i++) {
        // Few distinct values, so ties (broken by trial id) are common; some diverged or cut short.
        const trialId = Math.floor(random() * 300);
        const draw = random();
        const value = draw < 0.05 ? null : draw < 0.08 ? Number.NaN : Math.floor(random() * 20) / 4;
        rung.record({ trialId, value, alive: random() < 0.8, partial: random() < 0.1 });
        if (i % 37 === 0) expect(rung.ranked(mode)).toEqual(sortedFromScratch(rung, mode));
      }
      expect(rung.ranked(mode)).toEqual(sortedFromScratch(rung, mode));
      expect(rung.counted).toBe([...rung.entries.values()].filter((e) => !e.partial).length);
      // Asked in the other mode, it ranks again from scratch.
      const other = mode === 'min' ? 'max' : 'min';
      expect(rung.ranked(other)).toEqual(sortedFromScratch(rung, other));
    },
  );

  it('updates one ranking in place as entries arrive instead of sorting a new one per decision', () => {
    const rung = new Rung(1);
    const random = seedrandom('many');
    const ranking = rung.ranked('max');
    for (let trialId = 0; trialId < 5000; trialId++) {
      rung.record({ trialId, value: random(), alive: true, partial: false });
      expect(rung.ranked('max')).toBe(ranking);
    }
    expect(ranking).toEqual(sortedFromScratch(rung, 'max'));
  });

  it.each(['min', 'max'] as const)(
    'nextPromotion (mode %s) picks what slicing the ranking to the quota and searching it picks, while trials are promoted',
    (mode) => {
      const random = seedrandom(`promote-${mode}`);
      const rung = new Rung(10);
      const busy = new Set<number>();
      const accept = (e: RungEntry) => !busy.has(e.trialId);
      for (let i = 0; i < 600; i++) {
        const trialId = i < 500 ? i : Math.floor(random() * 500);
        const draw = random();
        rung.record({ trialId, value: draw < 0.05 ? null : Math.floor(random() * 30), alive: random() < 0.85, partial: random() < 0.05 });
        if (random() < 0.1) busy.add(Math.floor(random() * 500));
        if (random() < 0.1) busy.clear();
        const quota = Math.floor(rung.counted / 3);
        const expected = rung
          .ranked(mode)
          .slice(0, quota)
          .find((e) => !rung.promoted.has(e.trialId) && e.alive && accept(e));
        const chosen = rung.nextPromotion(mode, quota, accept);
        expect(chosen).toBe(expected);
        if (chosen && random() < 0.7) rung.promoted.add(chosen.trialId);
      }
    },
  );
});
