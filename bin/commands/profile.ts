import { formatNumber, renderTable } from '../../report/format.ts';
import { backendLine } from '../../report/console.ts';
import { findMaxBatchSize, profileThroughput, type MemorySearch, type Probe, type ThroughputRow } from '../../analysis/profile.ts';
import { parseCount, parseSeed, requirePositional } from '../args.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';
import { prepareTrainer } from './trainer-setup.ts';

const options = {
  'max-batch': {
    type: 'string',
    value: '<n>',
    description: 'the largest batch the memory search tries (default 16 × the largest in the space)',
  },
  'no-search': { type: 'boolean', description: 'measure throughput only; skip the search for the largest batch that fits' },
  'warmup-steps': { type: 'string', value: '<n>', description: 'untimed steps before measuring (default 2)' },
  steps: { type: 'string', value: '<n>', description: 'timed steps per repeat (default 5)' },
  repeats: { type: 'string', value: '<n>', description: 'timed repeats; the median is reported (default 3)' },
  seed: { type: 'string', value: '<n>', description: "the seed (default: the config's seed)" },
  json: { type: 'boolean', short: 'j', description: 'print {"trainer", "trainerInfo", "settings", "throughput", "memory"} on stdout' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr' },
} as const satisfies OptionSpecs;

export const profileCommand = defineCommand({
  name: 'profile',
  summary: 'throughput per batch size on the actual backend, and the largest batch that fits in memory',
  operands: '<config.json>',
  options,
  run: profile,
});

/**
 * Throughput (examples/s) per batch size of the config's space on the trainer's actual backend,
 * and the largest batch size that fits in memory (doubling, then bisection on out-of-memory).
 */
async function profile(values: OptionValues<typeof options>, positionals: string[]): Promise<number> {
  const configPath = requirePositional(positionals, 'config.json', profileCommand.synopsis);
  const settings = {
    warmupSteps: parseCount('warmup-steps', values['warmup-steps'], 0) ?? 2,
    steps: parseCount('steps', values.steps) ?? 5,
    repeats: parseCount('repeats', values.repeats) ?? 3,
  };
  const maxBatchFlag = parseCount('max-batch', values['max-batch']);
  const prepared = await prepareTrainer(configPath, parseSeed(values.seed));
  const { trainer, space, config } = prepared;
  const maxBatch = maxBatchFlag ?? 16 * Math.max(...space.batchSizes);
  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };
  const backendChoice = backendLine(prepared.description.info);
  if (backendChoice) log(backendChoice);
  const profileOptions = {
    ...settings,
    seed: config.seed,
    paramsFor: prepared.paramsFor,
    onMeasure: (m: ThroughputRow | Probe) => {
      log(
        'status' in m
          ? `batch ${m.batchSize}: ${m.status === 'ok' ? `${formatNumber(m.examplesPerSecond)} examples/s` : `${m.status} (${m.reason})`}`
          : `probe batch ${m.batchSize}: ${m.feasible ? 'fits' : 'does not fit'}`,
      );
    },
  };
  let throughput: ThroughputRow[];
  let memory: MemorySearch | null = null;
  try {
    throughput = await profileThroughput(trainer, space.batchSizes, profileOptions);
    if (!values['no-search']) {
      const known = new Map(throughput.filter((r) => r.status !== 'failed').map((r) => [r.batchSize, r.status === 'ok']));
      const fitted = throughput.filter((r) => r.status === 'ok').map((r) => r.batchSize);
      const start = fitted.length ? Math.max(...fitted) : Math.min(...space.batchSizes);
      memory = await findMaxBatchSize(trainer, start, maxBatch, profileOptions, known);
    }
  } finally {
    await trainer.close?.();
  }

  if (values.json) {
    const out = {
      trainer: prepared.name,
      trainerInfo: prepared.description.info ?? {},
      settings: { ...settings, maxBatch: values['no-search'] ? null : maxBatch },
      throughput,
      memory,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const backend = prepared.description.info?.backend;
  process.stdout.write(
    `${prepared.name}${typeof backend === 'string' ? ` on ${backend}` : ''}: ${settings.warmupSteps} warm-up steps, then the median of ${settings.repeats} × ${settings.steps} timed steps\n\n`,
  );
  const reasons = throughput.some((r) => r.reason);
  const rows = throughput.map((r) => [
    String(r.batchSize),
    r.status,
    formatNumber(r.examplesPerSecond),
    formatNumber(r.secondsPerStep, 3),
    r.repeats.length > 1 ? `${formatNumber(Math.min(...r.repeats))}–${formatNumber(Math.max(...r.repeats))}` : '-',
    ...(reasons ? [r.reason ?? ''] : []),
  ]);
  const header = ['batch', 'status', 'examples/s', 's/step', 'range', ...(reasons ? ['reason'] : [])];
  process.stdout.write(`${renderTable(header, rows)}\n\n`);
  process.stdout.write(`${memoryLine(memory, maxBatch)}\n`);
  return 0;
}

function memoryLine(memory: MemorySearch | null, maxBatch: number): string {
  if (!memory) return 'largest batch that fits: not searched (--no-search)';
  const probes = memory.probes.map((p) => `${p.batchSize}${p.feasible ? '✓' : '✗'}`).join(' ');
  const tried = probes ? ` (probes: ${probes})` : '';
  if (memory.error)
    return `largest batch that fits: search stopped: ${memory.error}; largest that fitted so far: ${memory.largestFeasible ?? 'none'}${tried}`;
  if (memory.largestFeasible === null)
    return `largest batch that fits: none; batch ${memory.smallestInfeasible} already runs out of memory${tried}`;
  if (memory.cappedAt !== null)
    return `largest batch that fits: at least ${memory.cappedAt}, the cap (--max-batch ${maxBatch}); the real limit is higher${tried}`;
  return `largest batch that fits: ${memory.largestFeasible} (${memory.smallestInfeasible} runs out of memory)${tried}`;
}
