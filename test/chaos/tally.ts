import { appendFileSync } from 'node:fs';

/**
 * Records one chaos case (its area and whether batchtune handled it as documented) for the suite-wide
 * table that `npm run chaos` prints; a no-op unless BATCHTUNE_CHAOS_TALLY names a file.
 */
export function tally(area: string, passed: boolean): void {
  const file = process.env.BATCHTUNE_CHAOS_TALLY;
  if (file) appendFileSync(file, `${JSON.stringify({ area, passed })}\n`);
}
