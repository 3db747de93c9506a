/**
 * Search quality against Optuna: at a third of the grid's budget, the median regret of batchtune's
 * model-based sampler (TPE) under hyperband or ASHA, next to Optuna 3.x (Debian's python3-optuna) with
 * its TPE or random sampler and its SuccessiveHalving or Hyperband pruner, replaying the same recorded
 * tables over the same seeds (bench/optuna_replay.py drives Optuna).
 *
 *   npx tsx bench/search-quality-optuna.ts [--seeds 20] [--out bench/results/search-quality-optuna.md] [file.json ...]
 *
 * BATCHTUNE_BENCH_TPE='{"gamma":0.15}' overrides the TPE sampler's options (defaults otherwise).
 *
 * Default files: bench/data/*.json (not *.config.json) and test/fixtures/tabular/digits-steps.json, a plain
 * PyTorch loop whose report points do not fall on rung targets. regret = |best truth − truth(returned)| in
 * points (× 100), truth = the mean over the recorded seeds of the final value (as bench/search-quality.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { MemoryStore, sameParams, type Params } from '../core/index.ts';
import { runStudy } from '../index.ts';
import { loadTabularFile } from '../plugins/trainers/tabular-file.ts';
import { machineLine } from './machine.ts';
import { fmt, quantile, truths } from './regret.ts';
import { mean } from '../analysis/stats.ts';

const PYTHON = '/usr/bin/python3';
const ETA = 3;

/** batchtune's contenders: a sampler under a scheduler (defaults: η = 3, r = R/9). */
const TPE = { type: 'tpe', ...(JSON.parse(process.env.BATCHTUNE_BENCH_TPE ?? '{}') as Record<string, unknown>) };
const OURS = [
  { label: 'batchtune tpe + hyperband', config: { sampler: TPE, scheduler: { type: 'hyperband', iterations: 3 } } },
  { label: 'batchtune tpe + asha', config: { sampler: TPE, scheduler: { type: 'asha' } } },
  { label: 'batchtune random + hyperband', config: { strategy: { type: 'hyperband', iterations: 3 } } },
  { label: 'batchtune random + asha', config: { strategy: { type: 'asha' } } },
];
const OPTUNA = [
  { sampler: 'tpe', pruner: 'hyperband' },
  { sampler: 'tpe', pruner: 'sh' },
  { sampler: 'random', pruner: 'hyperband' },
  { sampler: 'random', pruner: 'sh' },
];

interface Row {
  label: string;
  regret: number[];
  spend: number[];
  trials: number[];
  trueBest: number;
}

async function benchFile(file: string, seeds: number) {
  const table = loadTabularFile(file, process.cwd(), 'file');
  const truth = truths(table);
  const sign = table.mode === 'max' ? 1 : -1;
  const finite = truth.filter((t): t is { params: Params; truth: number } => t.truth !== null);
  const best = finite.reduce((a, b) => (sign * b.truth > sign * a.truth ? b : a));
  const values = table.configs
    .flatMap((c) => c.curves.flatMap((curve) => curve.map((p) => p.metrics[table.metric])))
    .filter((v): v is number => typeof v === 'number');
  const scale = values.every((v) => v >= 0 && v <= 1) ? 100 : 1;
  const regretOf = (params: Params | undefined | null) => {
    const returned = params ? truth.find((t) => sameParams(t.params, params)) : undefined;
    return {
      regret: returned && returned.truth !== null ? Math.abs(best.truth - returned.truth) * scale : Infinity,
      hit: !!returned && sameParams(returned.params, best.params),
    };
  };
  const rows: Row[] = [];
  const row = (label: string) => {
    let r = rows.find((x) => x.label === label);
    if (!r) rows.push((r = { label, regret: [], spend: [], trials: [], trueBest: 0 }));
    return r;
  };
  const run = (config: object, seed: number, limit: number) =>
    runStudy(
      { seed, budget: { unit: 'examples', limit }, trainer: { type: 'tabular', file: resolve(file) }, ...config },
      { journal: new MemoryStore() },
    );

  const budgets: Array<{ seed: number; budget: number; grid: number }> = [];
  for (let seed = 0; seed < seeds; seed++) {
    const grid = await run({ strategy: { type: 'grid' } }, seed, Number.MAX_SAFE_INTEGER);
    const budget = Math.floor(grid.budget.spent / 3);
    budgets.push({ seed, budget, grid: grid.budget.spent });
    for (const contender of OURS) {
      const summary = await run(contender.config, seed, budget);
      if (summary.error) throw new Error(`${contender.label} seed ${seed}: ${summary.error}`);
      const r = row(contender.label);
      const { regret, hit } = regretOf(summary.best?.params);
      r.regret.push(regret);
      r.spend.push(summary.budget.spent / grid.budget.spent);
      r.trials.push(summary.trials.length);
      if (hit) r.trueBest += 1;
    }
  }
  // Optuna's pruners count resource in report indices: r = R/9 of the curve's points, as batchtune's default.
  const points = Math.max(...table.configs.flatMap((c) => c.curves.map((curve) => curve.length)));
  const job = {
    file: resolve(file),
    metric: table.metric,
    mode: table.mode,
    minResource: Math.max(1, Math.round(points / ETA ** 2)),
    eta: ETA,
    runs: budgets.map(({ seed, budget }) => ({ seed, budget })),
    variants: OPTUNA,
  };
  const py = spawnSync(PYTHON, [join(dirname(new URL(import.meta.url).pathname), 'optuna_replay.py')], {
    input: JSON.stringify(job),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (py.status !== 0) throw new Error(`optuna_replay.py failed (is Debian's python3-optuna installed?): ${py.stderr}`);
  const out = JSON.parse(py.stdout) as {
    optuna: string;
    results: Array<{ variant: { sampler: string; pruner: string }; seed: number; best: Params | null; spent: number; trials: number }>;
  };
  for (const result of out.results) {
    const r = row(
      `optuna ${out.optuna} ${result.variant.sampler} + ${result.variant.pruner === 'sh' ? 'successive-halving' : 'hyperband'}`,
    );
    const { regret, hit } = regretOf(result.best);
    r.regret.push(regret);
    const budget = budgets.find((b) => b.seed === result.seed);
    if (!budget) throw new Error(`no grid budget was measured for seed ${result.seed}`);
    r.spend.push(result.spent / budget.grid);
    r.trials.push(result.trials);
    if (hit) r.trueBest += 1;
  }
  return { table, rows, scale, best, optuna: out.optuna, points, minResource: job.minResource };
}

async function main() {
  const { values, positionals } = parseArgs({
    options: { seeds: { type: 'string', default: '20' }, out: { type: 'string', default: 'bench/results/search-quality-optuna.md' } },
    allowPositionals: true,
  });
  const seeds = Number(values.seeds);
  const here = dirname(new URL(import.meta.url).pathname);
  const files =
    positionals.length > 0
      ? positionals
      : [
          ...readdirSync(join(here, 'data'))
            .filter((f) => f.endsWith('.json') && !f.endsWith('.config.json'))
            .sort()
            .map((f) => join(here, 'data', f)),
          join(here, '..', 'test', 'fixtures', 'tabular', 'digits-steps.json'),
        ];
  const load = execSync('uptime').toString().trim();
  const sections: string[] = [];
  const goals: string[] = [];
  for (const file of files) {
    const started = Date.now();
    const r = await benchFile(file, seeds);
    const unit = r.scale === 100 ? 'points' : r.table.metric;
    const lines = [
      `### ${basename(file)} (${r.table.metric}, ${r.table.mode}): ${r.table.configs.length} configurations, ${r.points} report points`,
      '',
      `True best: batchSize ${r.best.params.batchSize}, learningRate ${r.best.params.learningRate}. Budget: ⅓ of the grid's examples per seed; Optuna's min_resource = ${r.minResource} report points, η = ${ETA}.`,
      '',
      `| search | regret median (${unit}) | mean | p90 | true best | spend / grid (median) | trials (median) |`,
      '|---|---:|---:|---:|---:|---:|---:|',
      ...r.rows.map(
        (x) =>
          `| ${x.label} | ${fmt(quantile(x.regret, 0.5))} | ${fmt(mean(x.regret))} | ${fmt(quantile(x.regret, 0.9))} | ${x.trueBest}/${x.regret.length} | ${fmt(quantile(x.spend, 0.5), 3)} | ${quantile(x.trials, 0.5)} |`,
      ),
      '',
    ];
    const section = lines.join('\n');
    process.stdout.write(`${section}(${((Date.now() - started) / 1000).toFixed(1)} s)\n\n`);
    sections.push(section);
    const ours = r.rows.filter((x) => x.label.startsWith('batchtune tpe'));
    const theirs = r.rows.filter((x) => x.label.startsWith('optuna'));
    const oursBest = ours.reduce((a, b) => (quantile(b.regret, 0.5) < quantile(a.regret, 0.5) ? b : a));
    const theirsBest = theirs.reduce((a, b) => (quantile(b.regret, 0.5) < quantile(a.regret, 0.5) ? b : a));
    const ok = quantile(oursBest.regret, 0.5) <= quantile(theirsBest.regret, 0.5) + 1e-9;
    goals.push(
      `- ${basename(file)}: ${oursBest.label} ${fmt(quantile(oursBest.regret, 0.5))} vs ${theirsBest.label} ${fmt(quantile(theirsBest.regret, 0.5))} ${unit} median regret — ${ok ? 'meets' : 'misses'} the goal`,
    );
  }
  const doc = [
    '# Search quality against Optuna',
    '',
    `Generated by \`npx tsx bench/search-quality-optuna.ts --seeds ${seeds}\` on ${new Date().toISOString().slice(0, 10)}; ${machineLine()}; load: ${load}.`,
    'Every search replays curves recorded from real training; regret = |best truth − truth(returned configuration)|, truth = mean of the recorded seeds at full resource. Each search gets ⅓ of the examples the grid (every configuration to full resource) trains with the same seed. Optuna runs the same tables in bench/optuna_replay.py.',
    '',
    "## Goal: batchtune TPE under hyperband or ASHA at or below Optuna's best variant (median regret)",
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
