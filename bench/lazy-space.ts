/**
 * Lazy spaces: the time and heap a `random` search needs to draw its first 20 configurations, by
 * space size. Up to 100,000 points the space is shuffled whole (the order of earlier versions);
 * above, draws are lazy, so the cost stops growing with the space. Ratios are against the
 * 1,000-point space in the same run. Run with `npm run bench -- lazy-space`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRng, SearchSpace, type SpaceConfig } from '../index.ts';
import { renderTable } from '../report/format.ts';
import { distinctDraws } from '../strategies/distinct-draws.ts';
import { machineLine } from './machine.ts';
import { at } from '../core/indexed.ts';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** 10 batch sizes × 10 learning rates × an int of `width` values. */
function space(points: number): SpaceConfig {
  return {
    batchSize: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
    learningRate: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
    params: { width: { int: [1, points / 100] } },
  };
}

function measure(points: number) {
  const repeats = 5;
  let seconds = Infinity;
  let heap = 0;
  for (let r = 0; r < repeats; r++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const start = performance.now();
    const draws = distinctDraws(new SearchSpace(space(points)), createRng(r, 'strategy'));
    const drawn = Array.from({ length: 20 }, () => draws.next());
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
    heap = Math.max(heap, process.memoryUsage().heapUsed - before);
    if (drawn.length !== 20) throw new Error('drew too few');
  }
  return { points, seconds, heap };
}

export function lazySpace(): string {
  const load = at(loadavg(), 0).toFixed(2);
  const rows = [1e3, 1e4, 1e5, 1e6, 1e9].map(measure);
  const base = at(rows, 0);
  const table = renderTable(
    ['points', 'path', 'ms for 20 draws', 'x 1,000 pts', 'heap MiB (no GC between)'],
    rows.map((r) => [
      r.points.toExponential(0),
      r.points <= 1e5 ? 'shuffled whole' : 'lazy',
      (r.seconds * 1000).toFixed(2),
      (r.seconds / base.seconds).toFixed(1),
      (r.heap / 2 ** 20).toFixed(1),
    ]),
  );
  const text = `# Lazy spaces\n\nMachine: ${machineLine()}; 1-minute load ${load} (shared with other work)\nBest time of 5 runs, largest heap growth; 20 draws without replacement, as \`random\` with nTrials 20 makes.\n\n\`\`\`\n${table}\n\`\`\`\n`;
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/lazy-space.md', import.meta.url), text);
  return text;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(lazySpace());
