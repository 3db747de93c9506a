/**
 * Process trainer overhead and throughput, in one run:
 *
 * 1. Overhead on a no-op script (bench/process/noop-*.py, one report per step): the wall time of
 *    TrainerSession.train per report and per segment, less the script's own time; for the Python
 *    helper and for a script that speaks the protocol by hand; and the cost of a trial's process
 *    (start, handshake, close). Goal: < 1 ms per report.
 * 2. Throughput of examples/pytorch-fashion/train.py (through the process trainer) against the tfjs
 *    trainer on the same MLP (784-256-256-10, SGD momentum 0.9), data sizes and batch sizes.
 *
 * Run with `npm run bench -- process-overhead`. Environment: BENCH_REPEATS (2). Writes
 * bench/results/process-overhead.md. Needs /usr/bin/python3 (and python3-torch for part 2).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report, Trainer, TrainerSession } from '../core/trainer.ts';
import { renderTable } from '../report/format.ts';
import type { ProcessOptions } from '../plugins/trainers/process/options.ts';
import { ProcessTrainer } from '../plugins/trainers/process/trainer.ts';
import type { TfjsOptions } from '../plugins/trainers/tfjs/options.ts';
import { machineLine } from './machine.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const logDir = mkdtempSync(join(tmpdir(), 'batchtune-bench-process-'));
const params = { batchSize: 1, learningRate: 0.1 };

function processTrainer(command: string[], cwd = root): ProcessTrainer {
  const options: ProcessOptions = {
    command,
    env: {},
    inheritEnv: true,
    timeoutSeconds: 120,
    startTimeoutSeconds: 120,
    closeGraceSeconds: 5,
    describe: false,
    logDir,
  };
  return new ProcessTrainer(options, { baseDir: cwd, seed: 1 });
}

/** Wall seconds of one train() call, with its reports. */
async function timed(session: TrainerSession, target: number, batchSize: number, onReport: (r: Report) => void = () => {}) {
  const began = performance.now();
  const result = await session.train(
    { limits: { examples: 1e12 }, target: { unit: 'examples', value: target }, batchSize, learningRate: 0.1 },
    (r) => {
      onReport(r);
      return 'continue';
    },
  );
  return { seconds: (performance.now() - began) / 1000, result };
}

interface Overhead {
  script: string;
  perReportMs: number;
  ownPerReportMs: number;
  perSegmentMs: number;
  perTrialMs: number;
}

async function overhead(label: string, command: string[]): Promise<Overhead> {
  const trainer = processTrainer(command);
  await trainer.prepare();
  let best: Overhead = { script: label, perReportMs: Infinity, ownPerReportMs: Infinity, perSegmentMs: Infinity, perTrialMs: Infinity };
  for (let r = 0; r < REPEATS; r++) {
    // Per report: one segment of 20,000 one-example steps, a report after each.
    const reports = 20000;
    const session = await trainer.open({ trialId: r, params, seed: r });
    await timed(session, 200, 1); // warm-up (JIT, pipes)
    let own = 0;
    let first = 0;
    const long = await timed(session, 200 + reports, 1, (report) => {
      first ||= report.metrics.own_seconds ?? 0;
      own = report.metrics.own_seconds ?? 0;
    });
    const ownSeconds = own - first;
    // Per segment: 2,000 segments of one step each (train, report, continue, done).
    const segments = 2000;
    const began = performance.now();
    for (let s = 1; s <= segments; s++)
      await session.train(
        { limits: { examples: 1e12 }, target: { unit: 'examples', value: 200 + reports + s }, batchSize: 1, learningRate: 0.1 },
        () => 'continue',
      );
    const segmentSeconds = (performance.now() - began) / 1000;
    await session.dispose();
    // Per trial: start the script, handshake, one segment of one step, close.
    const trials = 10;
    const trialBegan = performance.now();
    for (let t = 0; t < trials; t++) {
      const trial = await trainer.open({ trialId: 100 + t, params, seed: t });
      await timed(trial, 1, 1);
      await trial.dispose();
    }
    const trialSeconds = (performance.now() - trialBegan) / 1000;
    best = {
      script: label,
      perReportMs: Math.min(best.perReportMs, (long.seconds * 1000) / reports),
      ownPerReportMs: Math.min(best.ownPerReportMs, label.includes('helper') ? (ownSeconds * 1000) / reports : NaN),
      perSegmentMs: Math.min(best.perSegmentMs, (segmentSeconds * 1000) / segments),
      perTrialMs: Math.min(best.perTrialMs, (trialSeconds * 1000) / trials),
    };
  }
  return best;
}

const THROUGHPUT_BATCHES = [32, 256, 1024];
const TRAIN = 8000;
const examplesFor = (batchSize: number) => Math.floor((batchSize <= 32 ? TRAIN : 2 * TRAIN) / batchSize) * batchSize;

interface Throughput {
  wall: number;
  reported: number;
}

/** Examples per second over train() less its evaluation (wall), and the reported examples_per_second. */
async function throughputOf(trainer: Trainer, batchSize: number, trialId: number): Promise<Throughput> {
  const session = await trainer.open({ trialId, params: { batchSize, learningRate: 0.01 }, seed: 1 });
  try {
    await timed(session, batchSize * 4, batchSize); // warm-up
    let evalSeconds = 0;
    let reported = 0;
    const examples = examplesFor(batchSize);
    const run = await timed(session, batchSize * 4 + examples, batchSize, (r) => {
      evalSeconds += r.metrics.eval_seconds ?? 0;
      reported = r.metrics.examples_per_second ?? 0;
    });
    return { wall: examples / (run.seconds - evalSeconds), reported };
  } finally {
    await session.dispose();
  }
}

async function throughput(): Promise<{ rows: string[][]; notes: string[] }> {
  const notes: string[] = [];
  const fashion = '/usr/share/datasets/fashion-mnist';
  const torchInfo = spawnSync(
    python,
    ['-c', 'import torch; print(torch.__version__, torch.get_num_threads(), torch.cuda.is_available())'],
    { encoding: 'utf8' },
  );
  if (torchInfo.status !== 0 || !existsSync(join(fashion, 'train-images-idx3-ubyte.gz'))) {
    notes.push(
      'Throughput skipped: needs python3-torch and dataset-fashion-mnist (apt-get install -y python3-torch dataset-fashion-mnist).',
    );
    return { rows: [], notes };
  }
  const [torchVersion, threads, cuda] = torchInfo.stdout.trim().split(' ');
  const torch = processTrainer(
    [
      python,
      'train.py',
      '--train',
      String(TRAIN),
      '--validation',
      '1000',
      '--eval-every',
      '1000000000',
      '--max-epochs',
      '1000',
      '--momentum',
      '0.9',
    ],
    join(root, 'examples/pytorch-fashion'),
  );
  await torch.prepare();
  const { TfjsTrainer } = await import('../plugins/trainers/tfjs/trainer.ts');
  const tfjsOptions: TfjsOptions = {
    backend: 'auto',
    task: 'classification',
    model: { type: 'mlp', hidden: [256, 256], activation: 'relu', dropout: 0 },
    optimizer: { type: 'momentum', momentum: 0.9, nesterov: false },
    data: {
      type: 'idx',
      images: join(fashion, 'train-images-idx3-ubyte.gz'),
      labels: join(fashion, 'train-labels-idx1-ubyte.gz'),
      train: TRAIN,
      validation: 1000,
    },
    evalEvery: 1e12,
  };
  const tfjs = new TfjsTrainer(tfjsOptions, { baseDir: root, seed: 1 });
  const tfjsInfo = (await tfjs.prepare()).info as { backend: string; backendReason: string };
  notes.push(
    `PyTorch ${torchVersion} (Debian python3-torch), ${threads} intra-op thread(s), CUDA ${cuda === 'True' ? 'available' : 'not available'}, device ${cuda === 'True' ? 'cuda' : 'cpu'}; ` +
      `tfjs backend ${tfjsInfo.backend} (${tfjsInfo.backendReason}).`,
  );
  const rows: string[][] = [];
  let trialId = 1000;
  for (const batchSize of THROUGHPUT_BATCHES) {
    let bestTorch: Throughput = { wall: 0, reported: 0 };
    let bestTfjs: Throughput = { wall: 0, reported: 0 };
    // Alternate the two so a change in machine load hits both; keep each one's best run.
    for (let r = 0; r < REPEATS; r++) {
      const t = await throughputOf(torch, batchSize, trialId++);
      const f = await throughputOf(tfjs, batchSize, trialId++);
      bestTorch = { wall: Math.max(bestTorch.wall, t.wall), reported: Math.max(bestTorch.reported, t.reported) };
      bestTfjs = { wall: Math.max(bestTfjs.wall, f.wall), reported: Math.max(bestTfjs.reported, f.reported) };
    }
    console.log(`batch ${batchSize}: pytorch ${bestTorch.wall.toFixed(0)} ex/s, tfjs ${bestTfjs.wall.toFixed(0)} ex/s`);
    rows.push([
      String(batchSize),
      String(examplesFor(batchSize)),
      bestTorch.wall.toFixed(0),
      bestTorch.reported.toFixed(0),
      bestTfjs.wall.toFixed(0),
      bestTfjs.reported.toFixed(0),
      (bestTorch.wall / bestTfjs.wall).toFixed(2),
    ]);
  }
  tfjs.close();
  return { rows, notes };
}

async function main(): Promise<string> {
  const began = performance.now();
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
  const overheads = [
    await overhead('no-op, Python helper', [python, join(root, 'bench/process/noop-helper.py')]),
    await overhead('no-op, protocol by hand', [python, join(root, 'bench/process/noop-raw.py')]),
  ];
  for (const o of overheads)
    console.log(
      `${o.script}: ${o.perReportMs.toFixed(3)} ms/report, ${o.perSegmentMs.toFixed(3)} ms/segment, ${o.perTrialMs.toFixed(0)} ms/trial`,
    );
  const overheadTable = renderTable(
    ['script', 'ms per report', 'script own ms per report', 'ms per segment', 'ms per trial (start + close)'],
    overheads.map((o) => [
      o.script,
      o.perReportMs.toFixed(3),
      Number.isNaN(o.ownPerReportMs) ? '-' : o.ownPerReportMs.toFixed(4),
      o.perSegmentMs.toFixed(3),
      o.perTrialMs.toFixed(0),
    ]),
  );
  const { rows, notes } = await throughput();
  const throughputTable = rows.length
    ? renderTable(['batch', 'examples', 'pytorch ex/s', 'pytorch reported ex/s', 'tfjs ex/s', 'tfjs reported ex/s', 'pytorch/tfjs'], rows)
    : '(not measured)';
  const total = ((performance.now() - began) / 1000).toFixed(0);
  const text =
    `# Process trainer: overhead and throughput\n\n` +
    `Machine: ${machineLine()}; load average at start ${load} (the machine is shared: ratios measured in the same run)\n` +
    `Best of ${REPEATS} runs; whole benchmark ${total} s.\n\n` +
    `## Overhead on a no-op script\n\n` +
    `A script that trains nothing and reports after every one-example step. "ms per report" is the wall time of TrainerSession.train ` +
    `over 20,000 reports divided by 20,000: the whole round trip (the script's step and report, JSON both ways, the search's answer). ` +
    `"script own ms" is the time the script spent outside the protocol. "ms per segment" is 2,000 one-step segments (train, report, done). ` +
    `"ms per trial" starts the script, opens the trial, trains one step and closes it (mostly Python's start-up). Goal: < 1 ms per report.\n\n` +
    '```\n' +
    overheadTable +
    '\n```\n\n' +
    `## Throughput: PyTorch (process trainer) vs tfjs\n\n` +
    `The same MLP 784-256-256-10 (relu), SGD momentum 0.9, lr 0.01, on ${TRAIN} Fashion-MNIST training images; ` +
    `examples/pytorch-fashion/train.py through the process trainer against the tfjs trainer. "ex/s" is examples over the wall time of ` +
    `TrainerSession.train less its evaluation; "reported" is the examples_per_second the session reports (training seconds only). ` +
    `Best of ${REPEATS} alternating runs after a warm-up. ${notes.join(' ')}\n\n` +
    '```\n' +
    throughputTable +
    '\n```\n';
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/process-overhead.md', import.meta.url), text);
  return text;
}

console.log(await main());
