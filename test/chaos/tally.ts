/**
 * The suite-wide chaos table: each chaos case appends `{"area":...,"passed":...}` as one JSON line
 * to the file named by BATCHTUNE_CHAOS_TALLY, when it is set; the table is summed from those lines.
 */
import { appendFileSync } from 'node:fs';

export function tally(area: string, passed: boolean): void {
  const file = process.env.BATCHTUNE_CHAOS_TALLY;
  if (file) appendFileSync(file, `${JSON.stringify({ area, passed })}\n`);
}
