/**
 * Engine overhead: trials per second and reports per second of the whole engine (config
 * validation excluded), with the tabular trainer, for grid and random, journal in memory and on
 * disk. Run with `npm run bench -- engine-overhead`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, runStudy } from '../index.ts';
import { renderTable } from '../report/format.ts';
import { machineLine } from './machine.ts';

const CONFIGS = 200;
const POINTS = 20;

function syntheticTable() {
  const configs = [];
  for (let i = 0; i < CONFIGS; i++) {
    const batchSize = 8 * (1 + (i % 20));
    const learningRate = 0.01 * (1 + Math.floor(i / 20));
    const curve = Array.from({ length: POINTS }, (_, k) => {
      const examples = 1000 * (k + 1);
      return { examples, steps: Math.ceil(examples / batchSize), seconds: examples / 1e4, metrics: { val_acc: 1 - 1 / (k + 2 + (i % 7)), val_loss: 1 / (k + 2) } };
    });
    configs.push({ params: { batchSize, learningRate }, curves: [curve] });
  }
  return { name: 'synthetic', metric: 'val_acc', mode: 'max', configs };
}

async function measure(strategy: string, journal: 'memory' | 'file', dir: string) {
  const repeats = 3;
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await runStudy(
      { seed: r, budget: { limit: 1e12 }, strategy: { type: strategy }, trainer: { type: 'tabular', file: 'curves.json' } },
      { baseDir: dir, journal: journal === 'memory' ? new MemoryStore() : join(dir, `${strategy}-${r}-${Date.now()}.jsonl`) },
    );
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return { strategy, journal, seconds: best, trialsPerSecond: CONFIGS / best, reportsPerSecond: (CONFIGS * POINTS) / best };
}

export async function engineOverhead(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'batchtune-bench-'));
  writeFileSync(join(dir, 'curves.json'), JSON.stringify(syntheticTable()));
  const rows = [];
  for (const strategy of ['grid', 'random']) {
    for (const journal of ['memory', 'file'] as const) rows.push(await measure(strategy, journal, dir));
  }
  const table = renderTable(
    ['strategy', 'journal', 'trials', 'reports', 'seconds', 'trials/s', 'reports/s'],
    rows.map((r) => [r.strategy, r.journal, String(CONFIGS), String(CONFIGS * POINTS), r.seconds.toFixed(3), r.trialsPerSecond.toFixed(0), r.reportsPerSecond.toFixed(0)]),
  );
  const text = `# Engine overhead\n\nMachine: ${machineLine()}\nBest of 3 runs; ${CONFIGS} trials of ${POINTS} reports each; the file journal writes every record and fsyncs at the end of every segment.\n\n\`\`\`\n${table}\n\`\`\`\n`;
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/engine-overhead.md', import.meta.url), text);
  return text;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await engineOverhead());
