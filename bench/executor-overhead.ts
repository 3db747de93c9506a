/**
 * Executor overhead: segments per second and the latency an executor adds to each segment, with a
 * trainer that does no work (bench/fixtures/noop-trainer.ts), against `inline` in the same run.
 * Run with `npm run bench -- executor-overhead`. To measure another executor, add one line to EXECUTORS.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { MemoryStore, runStudy, type PluginRef } from '../index.ts';
import { renderTable } from '../report/format.ts';
import { hasRedisServer, startRedis, startWorker, stopChild, type WorkerChild } from '../test/helpers/redis.ts';
import { machineLine } from './machine.ts';

/** What the machine offers the executors: a Redis server with `batchtune worker` processes, when installed. */
interface Infrastructure {
  redis?: { url: string; prefix: string };
  /** Processes that train for the executors (workers), whose CPU time counts too. */
  helpers: number[];
}

interface Measured {
  name: string;
  /** The executor's config, or why it cannot run here. */
  executor(infra: Infrastructure): PluginRef | string;
  /** Segments in flight for the throughput run. */
  concurrency: number;
  /** What trains the segments, for the results table. */
  where: string;
}

const REDIS_WORKERS = 2;
const REDIS_WORKER_CONCURRENCY = 16;

const EXECUTORS: Measured[] = [
  { name: 'inline', executor: () => ({ type: 'inline' }), concurrency: 1, where: 'this process' },
  { name: 'pool', executor: () => ({ type: 'pool', workers: 2 }), concurrency: 2, where: '2 worker processes' },
  {
    name: 'redis',
    executor: ({ redis }) => (redis ? { type: 'redis', ...redis } : 'not measured: redis-server is not installed'),
    concurrency: REDIS_WORKERS * REDIS_WORKER_CONCURRENCY,
    where: `${REDIS_WORKERS} workers × ${REDIS_WORKER_CONCURRENCY}`,
  },
];

const THROUGHPUT_SEGMENTS = 2000;
const LATENCY_SEGMENTS = 300;
const REPEATS = 3;
const trainerPlugin = new URL('./fixtures/noop-trainer.ts', import.meta.url).pathname;

/** CPU seconds a process has used (Linux), from /proc; 0 elsewhere. */
function cpuSeconds(pid: number): number {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return 0;
  const afterName = readFileSync(path, 'utf8').split(') ')[1];
  if (afterName === undefined) return 0;
  const fields = afterName.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds used by this process and the helpers since `from` (taken with the same function). */
function cpuNow(helpers: number[]) {
  const own = process.cpuUsage();
  return { search: (own.user + own.system) / 1e6, helpers: helpers.reduce((sum, pid) => sum + cpuSeconds(pid), 0) };
}

/**
 * A grid of `segments` one-segment trials, REPEATS times: the best wall time, and the mean CPU time per
 * segment of the search process and of the processes that trained (load on the machine barely moves it).
 */
async function timeStudy(executor: PluginRef, segments: number, concurrency: number, helpers: number[]) {
  let best = Infinity;
  const before = cpuNow(helpers);
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    const summary = await runStudy(
      {
        seed: r,
        budget: { limit: 1e12 },
        strategy: { type: 'grid' },
        trainer: { type: 'noop', configs: segments },
        plugins: [trainerPlugin],
        executor,
        concurrency,
      },
      { journal: new MemoryStore() },
    );
    if (summary.error) throw new Error(`${executor.type}: ${summary.error}`);
    if (summary.trials.length !== segments) throw new Error(`${executor.type}: ${summary.trials.length} trials, expected ${segments}`);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  const after = cpuNow(helpers);
  const perSegment = (seconds: number) => (seconds * 1000) / (segments * REPEATS);
  return { seconds: best, searchCpuMs: perSegment(after.search - before.search), helperCpuMs: perSegment(after.helpers - before.helpers) };
}

async function withInfrastructure<T>(use: (infra: Infrastructure) => Promise<T>): Promise<T> {
  if (!hasRedisServer) return use({ helpers: [] });
  const server = await startRedis();
  const prefix = `bench-${process.pid}`;
  const workers: WorkerChild[] = await Promise.all(
    Array.from({ length: REDIS_WORKERS }, () => startWorker(server.url, prefix, REDIS_WORKER_CONCURRENCY)),
  );
  try {
    return await use({ redis: { url: server.url, prefix }, helpers: [server.pid, ...workers.flatMap((w) => w.pid ?? [])] });
  } finally {
    await Promise.all(workers.map((w) => stopChild(w)));
    await server.stop();
  }
}

export async function executorOverhead(): Promise<string> {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const rows = await withInfrastructure(async (infra) => {
    const measured: Array<
      | { target: Measured; skipped: string }
      | { target: Measured; throughput: number; latencyMs: number; cpu: Awaited<ReturnType<typeof timeStudy>> }
    > = [];
    for (const target of EXECUTORS) {
      const executor = target.executor(infra);
      if (typeof executor === 'string') {
        measured.push({ target, skipped: executor });
        continue;
      }
      const run = await timeStudy(executor, THROUGHPUT_SEGMENTS, target.concurrency, infra.helpers);
      const alone = await timeStudy(executor, LATENCY_SEGMENTS, 1, infra.helpers);
      measured.push({
        target,
        throughput: THROUGHPUT_SEGMENTS / run.seconds,
        latencyMs: (alone.seconds / LATENCY_SEGMENTS) * 1000,
        cpu: run,
      });
    }
    return measured;
  });
  const baseline = rows.find((r) => r.target.name === 'inline');
  if (!baseline || 'skipped' in baseline) throw new Error('the inline executor, the baseline, was not measured');
  const baselineMs = baseline.latencyMs;
  const table = renderTable(
    [
      'executor',
      'trains in',
      'in flight',
      'segments/s',
      'CPU ms/segment (search + workers, Redis)',
      'ms per segment alone',
      'added ms per segment',
    ],
    rows.map((r) =>
      'skipped' in r
        ? [r.target.name, r.target.where, String(r.target.concurrency), r.skipped, '', '', '']
        : [
            r.target.name,
            r.target.where,
            String(r.target.concurrency),
            r.throughput.toFixed(0),
            `${r.cpu.searchCpuMs.toFixed(3)} + ${r.cpu.helperCpuMs.toFixed(3)}`,
            r.latencyMs.toFixed(3),
            (r.latencyMs - baselineMs).toFixed(3),
          ],
    ),
  );
  const text = `# Executor overhead

Machine: ${machineLine()}; load average at start ${load} (other work shares this machine).
A grid of one-segment trials on a trainer that does no work (one report per segment, each awaiting its verdict),
journal in memory, best of ${REPEATS} runs. segments/s: ${THROUGHPUT_SEGMENTS} segments with the executor's
segments in flight; CPU ms/segment: CPU time the search process and the others (workers and redis-server) used in those runs,
per segment (on an idle machine with C cores, segments/s cannot pass C × 1000 / their sum). ms per segment alone: ${LATENCY_SEGMENTS} segments one at a time; "added" is that minus inline's,
measured in the same run. Redis: Debian's redis-server on 127.0.0.1, workers on the same machine.

\`\`\`
${table}
\`\`\`
`;
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/executor-overhead.md', import.meta.url), text);
  return text;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await executorOverhead());
