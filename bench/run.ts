/**
 * `npm run bench` runs every benchmark; `npm run bench -- <name>` runs one. Results are printed and
 * written to bench/results/<name>.md. Benchmarks never run in the test suite.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const all = [
  'engine-overhead',
  'executor-overhead',
  'trainer-throughput',
  'search-quality',
  'search-quality-optuna',
  'process-overhead',
  'pool-speedup',
  'lazy-space',
];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
let failed = false;
for (const name of chosen) {
  const file = new URL(`./${name}.ts`, import.meta.url);
  if (!all.includes(name) || !existsSync(file)) {
    console.error(`bench: unknown benchmark ${JSON.stringify(name)}; known: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name} ==`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file.pathname], { stdio: 'inherit' });
  failed ||= run.status !== 0;
}
process.exit(failed ? 1 : 0);
