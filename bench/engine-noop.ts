/**
 * One no-op study as a whole process, for bench/engine-overhead: ASHA (rungs at 1, 3, 9, ...
 * steps, η = 3) over a tabular file written by bench/noop-table.ts, journal in memory or in a file.
 *
 * Usage: node --import tsx bench/engine-noop.ts <table.json> <reports> <memory | journal file> <seed>
 * (or node dist/bench/engine-noop.js ... after `npm run build`).
 * Prints one JSON line: trials, reports, pruned, completed, peak_rss_kb.
 */
import { dirname, basename } from 'node:path';
import { MemoryStore, runStudy, SearchEvents } from '../index.ts';
import { NOOP_STEP } from './noop-table.ts';

const [table, reports, journal, seed] = [process.argv[2], Number(process.argv[3]), process.argv[4], Number(process.argv[5])];
if (table === undefined || journal === undefined) {
  console.error('usage: bench/engine-noop.ts <table.json> <reports> <memory | journal file> <seed>');
  process.exit(2);
}

let reported = 0;
const events = new SearchEvents();
events.on('report', () => (reported += 1));
const summary = await runStudy(
  {
    seed,
    budget: { unit: 'examples', limit: 1e15 },
    strategy: { type: 'asha', minResource: NOOP_STEP, maxResource: NOOP_STEP * reports, reductionFactor: 3 },
    trainer: { type: 'tabular', file: basename(table) },
  },
  { baseDir: dirname(table), journal: journal === 'memory' ? new MemoryStore() : journal, events },
);
const states = summary.trials.map((t) => t.state);
const stopped = states.filter((s) => s === 'pruned' || s === 'stopped').length;
const completed = states.filter((s) => s === 'completed').length;
console.log(
  JSON.stringify({ trials: states.length, reports: reported, pruned: stopped, completed, peak_rss_kb: process.resourceUsage().maxRSS }),
);
