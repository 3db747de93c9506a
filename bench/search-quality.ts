/**
 * Search-quality benchmark: how close each strategy gets to the best configuration, and at what
 * cost, on learning curves recorded from real training (`batchtune record`, replayed by the tabular
 * trainer, so every run takes milliseconds and is exactly reproducible).
 *
 *   npx tsx bench/search-quality.ts [--seeds 20] [--out bench/results/search-quality.md] [file.json ...]
 *
 * Default files: every recorded file in bench/data (not the *.config.json that made them).
 *
 * Definitions (per file):
 * - truth(c): the final metric of configuration c at full resource, averaged over the file's seeds
 *   (the curves recorded with different seeds). A configuration whose mean is not finite (a curve
 *   diverged) is never the best and has infinite regret.
 * - best: the best truth(c) over the file. regret = |best − truth(returned)|, where "returned" is the
 *   configuration of the trial the strategy returns (summary.best); in points (× 100) for metrics
 *   in [0, 1] such as accuracy. So regret measures the configuration chosen, not the lucky curve
 *   the trial happened to read; a trial reads one recorded seed, so even the grid has regret.
 * - spend: the examples the search trained, as a fraction of the grid's (every configuration to full
 *   resource) with the same seed.
 * - true best: how often the returned configuration is the one with the best truth.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryStore, sameParams, type Params, type SearchSummary } from '../core/index.ts';
import { runStudy } from '../index.ts';
import { loadTabularFile, type TabularFile } from '../plugins/trainers/tabular-file.ts';
import { mean } from '../analysis/stats.ts';
import { fmt, quantile, truths } from './regret.ts';
import { at } from '../core/indexed.ts';

interface Contender {
  label: string;
  strategy: Record<string, unknown>;
  /** Budget as a fraction of the grid's spend; unlimited when absent. */
  budgetFraction?: number;
  concurrency?: number;
  note: string;
}

/** The strategies compared, with the options the bench gives them (defaults unless said). */
const CONTENDERS: Contender[] = [
  { label: 'grid', strategy: { type: 'grid' }, note: 'every configuration to R' },
  { label: 'random', strategy: { type: 'random' }, budgetFraction: 1 / 3, note: 'random configurations to R' },
  {
    label: 'successive-halving',
    strategy: { type: 'successive-halving' },
    budgetFraction: 1 / 3,
    note: 'defaults (η=3, r=R/9); n chosen by the budget',
  },
  {
    label: 'hyperband',
    strategy: { type: 'hyperband' },
    budgetFraction: 1 / 3,
    note: 'defaults (η=3, r=R/9 → brackets of 9, 5, 3); the budget ends it',
  },
  { label: 'asha', strategy: { type: 'asha' }, budgetFraction: 1 / 3, note: 'defaults (η=3, r=R/9), concurrency 1' },
  { label: 'asha ×4', strategy: { type: 'asha' }, budgetFraction: 1 / 3, concurrency: 4, note: 'concurrency 4 on the simulated clock' },
  { label: 'hyperband (whole)', strategy: { type: 'hyperband' }, note: 'one full iteration of the brackets, no budget cap' },
  { label: 'asha (whole space)', strategy: { type: 'asha' }, note: 'every configuration started, no budget cap' },
];

interface Row {
  label: string;
  budget: string;
  note: string;
  spend: number[];
  regret: number[];
  trueBest: number;
  trials: number[];
  runs: number;
}

async function benchFile(
  file: string,
  seeds: number,
): Promise<{
  table: TabularFile;
  rows: Row[];
  best: { params: Params; truth: number };
  scale: number;
  maxResource: number;
  spread: number;
  gap: number;
}> {
  const table = loadTabularFile(file, process.cwd(), 'file');
  const truth = truths(table);
  const sign = table.mode === 'max' ? 1 : -1;
  const finite = truth.filter((t): t is { params: Params; truth: number } => t.truth !== null);
  const best = finite.reduce((a, b) => (sign * b.truth > sign * a.truth ? b : a));
  const allValues = table.configs
    .flatMap((c) => c.curves.flatMap((curve) => curve.map((p) => p.metrics[table.metric])))
    .filter((v): v is number => v !== null && Number.isFinite(v));
  // Accuracy-like metrics (within [0, 1]) are reported in points.
  const scale = allValues.every((v) => v >= 0 && v <= 1) ? 100 : 1;
  const maxResource = Math.max(...table.configs.flatMap((c) => c.curves.map((curve) => curve.at(-1)?.examples ?? 0)));
  const baseDir = dirname(resolve(file));
  const run = (strategy: object, seed: number, limit: number, concurrency = 1): Promise<SearchSummary> =>
    runStudy(
      { seed, budget: { unit: 'examples', limit }, strategy, concurrency, trainer: { type: 'tabular', file: resolve(file) } },
      { baseDir, journal: new MemoryStore() },
    );

  const rows: Row[] = CONTENDERS.map((c) => ({
    label: c.label,
    budget: c.budgetFraction ? 'grid/3' : 'none',
    note: c.note,
    spend: [],
    regret: [],
    trueBest: 0,
    trials: [],
    runs: 0,
  }));
  for (let seed = 0; seed < seeds; seed++) {
    const grid = await run({ type: 'grid' }, seed, Number.MAX_SAFE_INTEGER);
    for (const [i, contender] of CONTENDERS.entries()) {
      const limit = contender.budgetFraction ? Math.floor(grid.budget.spent * contender.budgetFraction) : Number.MAX_SAFE_INTEGER;
      const summary = contender.label === 'grid' ? grid : await run(contender.strategy, seed, limit, contender.concurrency);
      if (summary.error) throw new Error(`${contender.label} seed ${seed}: ${summary.error}`);
      const row = at(rows, i);
      row.runs += 1;
      row.spend.push(summary.budget.spent / grid.budget.spent);
      row.trials.push(summary.trials.length);
      const bestParams = summary.best?.params;
      const returned = bestParams ? truth.find((t) => sameParams(t.params, bestParams)) : undefined;
      const regret = returned && returned.truth !== null ? Math.abs(best.truth - returned.truth) * scale : Infinity;
      row.regret.push(regret);
      if (returned && sameParams(returned.params, best.params)) row.trueBest += 1;
    }
  }
  const bestConfig = table.configs.find((c) => sameParams(c.params, best.params));
  if (!bestConfig) throw new Error(`${file}: the best configuration is not in the table`);
  const bestFinals = bestConfig.curves.map((curve) => at(curve, curve.length - 1).metrics[table.metric] as number);
  const spread = (Math.max(...bestFinals) - Math.min(...bestFinals)) * scale;
  const runnerUp = finite.filter((t) => t !== best).reduce((a, b) => (sign * b.truth > sign * a.truth ? b : a));
  const gap = Math.abs(best.truth - runnerUp.truth) * scale;
  return { table, rows, best, scale, maxResource, spread, gap };
}

/** What a recorded table says about where it was recorded (written by the recorder). */
interface TableMeta {
  backend?: { backend?: string; tfjsVersion?: string };
  machine?: { cpus: number; cpu: string; platform: string; arch: string; node: string };
  wallSeconds?: number;
  command?: string;
}

function render(name: string, result: Awaited<ReturnType<typeof benchFile>>, seeds: number): string {
  const { table, rows, best, scale, maxResource } = result;
  const unit = scale === 100 ? 'points' : table.metric;
  const meta = (table.meta ?? {}) as TableMeta;
  const backend = meta.backend
    ? `${meta.backend.backend ?? '?'}${meta.backend.tfjsVersion ? ` (tfjs ${meta.backend.tfjsVersion})` : ''}`
    : 'unknown';
  const machine = meta.machine
    ? `${meta.machine.cpus} × ${meta.machine.cpu}, ${meta.machine.platform}/${meta.machine.arch}, node ${meta.machine.node}`
    : 'unknown';
  const curves = table.configs.reduce((n, c) => n + c.curves.length, 0);
  const lines = [
    `### ${name}: ${table.name} (${table.metric}, ${table.mode})`,
    '',
    `${table.configs.length} configurations × ${curves / table.configs.length} recorded seeds, R = ${maxResource} examples; recorded on ${backend}, ${machine}${meta.wallSeconds ? ` in ${meta.wallSeconds} s` : ''}${meta.command ? ` with \`${meta.command}\`` : ''}.`,
    `True best: batchSize ${best.params.batchSize}, learningRate ${best.params.learningRate} (${table.metric} ${best.truth.toFixed(4)}, mean of the seeds at R). ${seeds} search seeds per strategy.`,
    `For scale: the best configuration's recorded seeds end ${fmt(result.spread)} ${unit} apart (max − min), while the runner-up is only ${fmt(result.gap)} ${unit} behind it (returning it costs that much regret); at this noise no strategy can tell the top few apart reliably, the grid included.`,
    '',
    `| strategy | budget | spend / grid (median) | spend (max) | regret median (${unit}) | regret mean | regret p90 | true best | trials (median) | options |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.budget} | ${fmt(quantile(r.spend, 0.5), 3)} | ${fmt(Math.max(...r.spend), 3)} | ${fmt(quantile(r.regret, 0.5))} | ${fmt(mean(r.regret))} | ${fmt(quantile(r.regret, 0.9))} | ${r.trueBest}/${r.runs} | ${quantile(r.trials, 0.5)} | ${r.note} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { seeds: { type: 'string', default: '20' }, out: { type: 'string', default: 'bench/results/search-quality.md' } },
    allowPositionals: true,
  });
  const seeds = Number(values.seeds);
  const dataDir = join(dirname(new URL(import.meta.url).pathname), 'data');
  const files =
    positionals.length > 0
      ? positionals
      : readdirSync(dataDir)
          .filter((f) => f.endsWith('.json') && !f.endsWith('.config.json'))
          .sort()
          .map((f) => join(dataDir, f));
  if (files.length === 0)
    throw new Error(
      `no recorded files in ${dataDir}; record one with: npx batchtune record bench/data/<name>.config.json --seeds 3 --out bench/data/<name>.json`,
    );
  const sections: string[] = [];
  const goals: string[] = [];
  for (const file of files) {
    const started = Date.now();
    const result = await benchFile(file, seeds);
    const section = render(basename(file), result, seeds);
    process.stdout.write(`${section}\n(${((Date.now() - started) / 1000).toFixed(1)} s)\n\n`);
    sections.push(section);
    for (const label of ['successive-halving', 'asha']) {
      const row = result.rows.find((r) => r.label === label);
      if (!row) throw new Error(`no ${label} row in the results`);
      const regret = quantile(row.regret, 0.5);
      const spend = quantile(row.spend, 0.5);
      const ok = regret <= 0.5 && Math.max(...row.spend) <= 1 / 3 + 1e-9;
      goals.push(
        `- ${basename(file)} ${label}: median regret ${fmt(regret)} points, spend ${fmt(spend, 3)} of the grid (max ${fmt(Math.max(...row.spend), 3)}) — ${ok ? 'meets' : 'misses'} the goal (≤ 0.5 points, ≤ 1/3 of the grid)`,
      );
    }
  }
  const doc = [
    '# Search quality',
    '',
    `Generated by \`npx tsx bench/search-quality.ts --seeds ${seeds}\` on ${new Date().toISOString().slice(0, 10)}. Each search replays curves recorded from real training with the tabular trainer.`,
    '',
    '- **truth(c)**: final metric of configuration c at full resource R, mean over the recorded seeds.',
    '- **regret** = |best truth − truth(returned configuration)|, in accuracy points (× 100). A trial reads one recorded seed, so even the grid can pick a configuration that was lucky on its curve.',
    '- **spend / grid**: examples trained, divided by the grid\'s (every configuration to R) for the same search seed. Budget "grid/3": the search is given an examples budget of a third of that (the engine stops it there; successive halving sizes n from it).',
    '- **true best**: how many of the searches returned the configuration with the best truth.',
    '',
    '## Goal: successive halving and ASHA at ≤ 0.5 points median regret and ≤ 1/3 of the grid',
    '',
    ...goals,
    '',
    '## Results',
    '',
    ...sections,
  ].join('\n');
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${doc}\n`);
  process.stdout.write(`${goals.join('\n')}\nwritten to ${values.out}\n`);
}

await main();
