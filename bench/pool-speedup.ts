/**
 * Real parallelism and flat memory, on the README's quick MNIST study (7 batch sizes, tfjs wasm):
 * - wall time on `pool` with 2 workers against `inline`, in one run (goal ≤ 0.6× inline), and that every
 *   trial's accuracy is identical (seeds are per trial);
 * - live TensorFlow.js tensors and the process's memory after each trial ends, inline (goal: flat).
 * Run with `npm run bench -- pool-speedup`.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readConfigFile } from '../bin/config-file.ts';
import { MemoryStore, runStudy, SearchEvents, type SearchSummary } from '../index.ts';
import { renderTable } from '../report/format.ts';
import { machineLine } from './machine.ts';

const studyPath = new URL('../examples/mnist-batch-size/study-quick.json', import.meta.url).pathname;
const { config, baseDir } = readConfigFile(studyPath);

async function timed(executor: object, events?: SearchEvents): Promise<{ seconds: number; summary: SearchSummary }> {
  const start = performance.now();
  const summary = await runStudy(
    { ...(config as object), executor },
    { baseDir, journal: new MemoryStore(), ...(events ? { events } : {}) },
  );
  return { seconds: (performance.now() - start) / 1000, summary };
}

const memory: Array<{ trial: number; batch: number; tensors: number; rssMiB: number; heapMiB: number }> = [];
const events = new SearchEvents();
events.on('trialEnd', ({ trial }) => {
  const usage = process.memoryUsage();
  memory.push({
    trial: trial.trialId,
    batch: trial.params.batchSize,
    tensors: tf.memory().numTensors,
    rssMiB: usage.rss / 2 ** 20,
    heapMiB: usage.heapUsed / 2 ** 20,
  });
});

const inline = await timed({ type: 'inline' }, events);
const pool = await timed({ type: 'pool', workers: 2 });
const accuracies = (s: SearchSummary) => s.trials.map((t) => t.metrics.val_acc);
const identical = JSON.stringify(accuracies(inline.summary)) === JSON.stringify(accuracies(pool.summary));

const speed = renderTable(
  ['executor', 'workers', 'wall s', 'vs inline', 'trials', 'best batch', 'best val_acc'],
  [
    [
      'inline',
      '1',
      inline.seconds.toFixed(1),
      '1.00',
      String(inline.summary.trials.length),
      String(inline.summary.best?.params.batchSize),
      String(inline.summary.best?.value),
    ],
    [
      'pool',
      '2',
      pool.seconds.toFixed(1),
      (pool.seconds / inline.seconds).toFixed(2),
      String(pool.summary.trials.length),
      String(pool.summary.best?.params.batchSize),
      String(pool.summary.best?.value),
    ],
  ],
);
const perTrial = renderTable(
  ['trial', 'batch', 'val_acc inline', 'val_acc pool', 'ex/s inline (alone)', 'ex/s pool (shared)'],
  inline.summary.trials.map((t, i) => {
    const p = pool.summary.trials[i];
    if (!p) throw new Error(`the pool run has no trial ${t.trialId}: the two runs differ`);
    const rate = (s: typeof t) => (s.progress.seconds > 0 ? (s.progress.examples / s.progress.seconds).toFixed(0) : '-');
    return [String(t.trialId), String(t.params.batchSize), String(t.metrics.val_acc), String(p.metrics.val_acc), rate(t), rate(p)];
  }),
);
const flat = renderTable(
  ['after trial', 'batch', 'live tensors', 'rss MiB', 'heap MiB'],
  memory.map((m) => [String(m.trial), String(m.batch), String(m.tensors), m.rssMiB.toFixed(0), m.heapMiB.toFixed(0)]),
);
const tensorCounts = new Set(memory.map((m) => m.tensors));
const text = `# Pool speed-up and memory across trials

Machine: ${machineLine()}
Study: examples/mnist-batch-size/study-quick.json (7 batch sizes, 65,536 examples each, tfjs wasm), inline then pool with 2 workers, in one run.

\`\`\`
${speed}
\`\`\`

Per-trial accuracies ${identical ? 'are identical' : 'DIFFER'} between the two executors. Examples/s under \`pool\` were measured while two trials shared the 2 cores, which the journal records (\`segments[].sharedWith\`), so \`report\` does not compare them with speeds measured alone.

\`\`\`
${perTrial}
\`\`\`

Live memory after each trial ends (inline, this process): ${tensorCounts.size === 1 ? `flat at ${[...tensorCounts][0]} live tensors` : `live tensors ${[...tensorCounts].join(' → ')}`}.

\`\`\`
${flat}
\`\`\`
`;
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/pool-speedup.md', import.meta.url), text);
console.log(text);
