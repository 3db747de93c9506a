/**
 * Engine overhead against Optuna, as whole processes in one run: 2,000 no-op trials under
 * asynchronous successive halving (batchtune `asha`; Optuna 3.1 RandomSampler +
 * SuccessiveHalvingPruner, Debian's python3-optuna), the same curves and rungs, with the journal
 * in memory and in a file (Optuna: JournalFileStorage). Wall time from spawn to exit and each
 * process's peak RSS. batchtune runs twice: compiled to JavaScript (`npm run build`, as an
 * installed package runs) and from the TypeScript sources through tsx (as a clone runs). Then
 * batchtune alone at 20,000 trials, to check it grows linearly, and a CPU profile of its loop.
 * Goals: ≥ 10× Optuna's speed; peak memory at or below Optuna's.
 *
 * Run with `npm run bench -- engine-overhead`. Environment: BENCH_REPEATS (3), BENCH_PYTHON.
 * Writes bench/results/engine-overhead.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '../report/format.ts';
import { topSelfTime } from './cpu-profile.ts';
import { machineLine, uptimeLoad } from './machine.ts';
import { noopTable } from './noop-table.ts';
import { missingPython, PYTHON } from './python-worker.ts';
import { at } from '../core/indexed.ts';

const TRIALS = 2000;
const SCALE_TRIALS = 20000;
const REPORTS = 27;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const root = new URL('..', import.meta.url).pathname;

interface Outcome {
  seconds: number;
  trials: number;
  reports: number;
  peakMiB: number;
}

type Runner = { name: string; command: (table: string, journal: string) => string[] };

const runners: Runner[] = [
  {
    name: 'batchtune (compiled)',
    command: (table, journal) => [process.execPath, join(root, 'dist/bench/engine-noop.js'), table, String(REPORTS), journal, '1'],
  },
  {
    name: 'batchtune (tsx)',
    command: (table, journal) => [
      process.execPath,
      '--import',
      'tsx',
      join(root, 'bench/engine-noop.ts'),
      table,
      String(REPORTS),
      journal,
      '1',
    ],
  },
  {
    name: 'Optuna 3.1',
    command: (_table, journal) => [PYTHON, join(root, 'bench/python/optuna_noop.py'), String(TRIALS), String(REPORTS), journal, '1'],
  },
];

/** Runs one process to its end; its last stdout line is its JSON result. */
function runProcess(argv: string[], extraNodeFlags: string[] = []): Outcome {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('runProcess: no command to run');
  const start = performance.now();
  const run = spawnSync(program, program === process.execPath ? [...extraNodeFlags, ...args] : args, { cwd: root, encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`${argv.join(' ')} failed (${run.status}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as { trials: number; reports: number; peak_rss_kb: number };
  return { seconds, trials: result.trials, reports: result.reports, peakMiB: result.peak_rss_kb / 1024 };
}

function build(): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`npm run build failed: ${run.stdout}${run.stderr}`);
  return (performance.now() - start) / 1000;
}

export function engineOverhead(): string {
  const began = performance.now();
  const loadBefore = uptimeLoad();
  const buildSeconds = build();
  const dir = mkdtempSync(join(tmpdir(), 'batchtune-bench-'));
  const table = join(dir, 'noop.json');
  writeFileSync(table, JSON.stringify(noopTable(TRIALS, REPORTS, 1)));
  const optunaMissing = missingPython('optuna');
  if (optunaMissing) console.log(`Optuna baseline skipped: ${optunaMissing}`);
  const active = runners.filter((r) => !(optunaMissing && r.name.startsWith('Optuna')));

  // Alternate every runner within each repeat, so a change in machine load hits all of them; keep each one's best.
  const best = new Map<string, Outcome>();
  let journals = 0;
  for (let r = 0; r < REPEATS; r++) {
    for (const storage of ['memory', 'file'] as const) {
      for (const runner of active) {
        const journal = storage === 'memory' ? 'memory' : join(dir, `journal-${journals++}.log`);
        const outcome = runProcess(runner.command(table, journal));
        const key = `${runner.name}|${storage}`;
        const previous = best.get(key);
        best.set(
          key,
          previous && previous.seconds <= outcome.seconds
            ? { ...previous, peakMiB: Math.max(previous.peakMiB, outcome.peakMiB) }
            : { ...outcome, peakMiB: Math.max(previous?.peakMiB ?? 0, outcome.peakMiB) },
        );
        console.log(`${runner.name}, ${storage}: ${outcome.seconds.toFixed(2)} s, ${outcome.peakMiB.toFixed(0)} MiB`);
      }
    }
  }
  const rows: string[][] = [];
  for (const storage of ['memory', 'file'] as const) {
    const optuna = best.get(`Optuna 3.1|${storage}`);
    for (const runner of active) {
      const o = best.get(`${runner.name}|${storage}`);
      if (!o) throw new Error(`${runner.name} with a ${storage} journal was not measured`);
      rows.push([
        runner.name,
        storage,
        String(o.trials),
        String(o.reports),
        o.seconds.toFixed(2),
        (o.trials / o.seconds).toFixed(0),
        optuna ? `${(optuna.seconds / o.seconds).toFixed(1)}×` : 'n/a',
        o.peakMiB.toFixed(0),
        optuna ? (o.peakMiB / optuna.peakMiB).toFixed(2) : 'n/a',
      ]);
    }
  }

  // Linear growth: the same study at 10× the trials, compiled, journal in memory.
  const scaleTable = join(dir, 'noop-20k.json');
  writeFileSync(scaleTable, JSON.stringify(noopTable(SCALE_TRIALS, REPORTS, 1)));
  const compiled = at(runners, 0);
  const small = runProcess(compiled.command(table, 'memory'));
  const large = runProcess(compiled.command(scaleTable, 'memory'));
  const oneTrial = join(dir, 'noop-1.json');
  writeFileSync(oneTrial, JSON.stringify(noopTable(1, REPORTS, 1)));
  const empty = runProcess(compiled.command(oneTrial, 'memory'));
  const scaleRows = [small, large].map((o) => [
    String(o.trials),
    o.seconds.toFixed(2),
    ((1000 * (o.seconds - empty.seconds)) / o.trials).toFixed(3),
    o.peakMiB.toFixed(0),
  ]);

  // Where the compiled loop spends its time (self time per function, 2,000 trials, in memory).
  const profileDir = join(dir, 'profile');
  runProcess(compiled.command(table, 'memory'), ['--cpu-prof', '--cpu-prof-dir', profileDir]);
  const [profileFile] = readdirSync(profileDir);
  if (profileFile === undefined) throw new Error(`no CPU profile was written to ${profileDir}`);
  const profile = topSelfTime(join(profileDir, profileFile), 15, root);
  rmSync(dir, { recursive: true, force: true });

  const header = ['engine', 'journal', 'trials', 'reports', 'seconds', 'trials/s', 'vs Optuna (speed)', 'peak MiB', 'memory / Optuna'];
  const total = ((performance.now() - began) / 1000).toFixed(0);
  const text =
    `# Engine overhead against Optuna\n\n` +
    `Machine: ${machineLine()}\n` +
    `Load: ${loadBefore} before, ${uptimeLoad()} after (other work was running on this machine: every figure is the best of ${REPEATS} alternating runs)\n` +
    `Workload: ${TRIALS} no-op trials, up to ${REPORTS} reports each, value(x, step) = x·step/(step + 3) with x random per trial; ` +
    `asynchronous successive halving, rungs at 1, 3, 9, 27 steps, η = 3. batchtune: strategy asha over a tabular file of the curves; ` +
    `Optuna: RandomSampler(seed=1) + SuccessiveHalvingPruner(min_resource=1, reduction_factor=3), report + should_prune after every step. ` +
    `Journal "file": batchtune's JSON-lines journal (every record written at once; fsync by group commit, at most one per 50 ms); Optuna's JournalStorage(JournalFileStorage).\n` +
    `Seconds are whole processes, spawn to exit (interpreter start and imports included); peak MiB is the process's maximum RSS. ` +
    `"compiled" runs dist/ from \`npm run build\` (built in ${buildSeconds.toFixed(0)} s before timing); "tsx" compiles the TypeScript sources at start. ` +
    `Whole benchmark ${total} s.\n\n` +
    '```\n' +
    renderTable(header, rows) +
    '\n```\n\n' +
    `## Growth with the number of trials (batchtune compiled, journal in memory)\n\n` +
    `ms per trial excludes a process that starts and runs a 1-trial study (${empty.seconds.toFixed(2)} s).\n\n` +
    '```\n' +
    renderTable(['trials', 'seconds', 'ms per trial', 'peak MiB'], scaleRows) +
    '\n```\n\n' +
    `## Where the time goes (batchtune compiled, ${TRIALS} trials, in memory: node --cpu-prof, self time)\n\n` +
    '```\n' +
    renderTable(['self %', 'function', 'where'], profile) +
    '\n```\n';
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/engine-overhead.md', import.meta.url), text);
  return text;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(engineOverhead());
