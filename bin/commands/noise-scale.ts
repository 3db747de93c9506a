import { BatchtuneError, type Report } from '../../index.ts';
import { formatNumber, renderTable } from '../../report/format.ts';
import { backendLine } from '../../report/console.ts';
import { parseCount, parseSeed, requirePositional } from '../args.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';
import { prepareTrainer, type PreparedTrainer } from './trainer-setup.ts';

const options = {
  'batch-size': { type: 'string', value: '<n>', description: "the batch size to train (default: the space's first)" },
  'learning-rate': { type: 'string', value: '<x>', description: 'the learning rate (default: the one the space gives that batch size)' },
  examples: { type: 'string', value: '<n>', description: "examples to train (default: the trainer's maximum, else the budget)" },
  every: { type: 'string', value: '<steps>', description: "measure every this many steps (default: the trainer's noiseScale.every)" },
  'micro-batches': {
    type: 'string',
    value: '<k>',
    description: "micro-batches per measurement, >= 2 (default: the trainer's noiseScale.microBatches)",
  },
  seed: { type: 'string', value: '<n>', description: "the seed (default: the config's seed)" },
  json: { type: 'boolean', short: 'j', description: 'print the result and its history (one point per report) as JSON on stdout' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr' },
} as const satisfies OptionSpecs;

export const noiseScaleCommand = defineCommand({
  name: 'noise-scale',
  summary: 'train one configuration and measure the gradient noise scale B_simple (critical batch size)',
  operands: '<config.json>',
  options,
  run: noiseScale,
});

/** One report of the run, with the noise-scale metrics at that point. */
interface NoiseHistoryPoint {
  examples: number;
  steps: number;
  seconds: number;
  learningRate: number;
  bSimple: number | null;
  gradSqNorm: number | null;
  traceSigma: number | null;
  /** The objective at that point. */
  value: number | null;
}

interface NoiseScaleResult {
  /** B_simple = EMA[tr Σ] / EMA[|G|²] at the end of the run. */
  bSimple: number | null;
  gradSqNorm: number | null;
  traceSigma: number | null;
  batchSize: number;
  learningRate: number;
  /** Examples per micro-batch (b) and micro-batches per measurement (k). */
  microBatch: number;
  k: number;
  every: number;
  /** Measurements taken (steps measured on micro-batches). */
  measurements: number;
  steps: number;
  examples: number;
  metric: string;
  history: NoiseHistoryPoint[];
}

const num = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Trains one configuration of a config (the space's first, or --batch-size) with the trainer's
 * noise-scale measurement on, and prints the gradient noise scale B_simple (McCandlish et al. 2018).
 */
async function noiseScale(values: OptionValues<typeof options>, positionals: string[]): Promise<number> {
  const configPath = requirePositional(positionals, 'config.json', noiseScaleCommand.synopsis);
  const batchFlag = parseCount('batch-size', values['batch-size']);
  const examplesFlag = parseCount('examples', values.examples);
  const every = parseCount('every', values.every);
  const k = parseCount('micro-batches', values['micro-batches'], 2);
  const override =
    every !== undefined || k !== undefined ? { noiseScale: { ...(every ? { every } : {}), ...(k ? { microBatches: k } : {}) } } : {};
  const prepared = await prepareTrainer(
    configPath,
    parseSeed(values.seed),
    override,
    (trainer) =>
      `trainer "${trainer}" cannot measure the gradient noise scale (it has no noiseScale option); use a trainer of type "tfjs" or "process"`,
  );
  // Said with the first progress line, once the flags have passed their checks.
  let backend = backendLine(prepared.description.info);
  const log = (line: string) => {
    if (backend) process.stderr.write(`${backend}\n`);
    backend = undefined;
    process.stderr.write(`${line}\n`);
  };
  let result: NoiseScaleResult;
  try {
    result = await measure(prepared, {
      batchSize: batchFlag,
      learningRate: values['learning-rate'],
      examples: examplesFlag,
      log: values.quiet ? undefined : log,
    });
  } finally {
    await prepared.trainer.close?.();
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${describe(result)}\n`);
  return 0;
}

function describe(r: NoiseScaleResult): string {
  const head = [
    `gradient noise scale at batch ${r.batchSize} (lr ${formatNumber(r.learningRate)}): ${r.measurements} measurements of ${r.k} micro-batches of ${r.microBatch}, every ${r.every === 1 ? 'step' : `${r.every} steps`}, over ${r.steps} steps (${r.examples} examples)`,
    r.bSimple === null
      ? `B_simple: not estimable (the averaged |G|² is ${r.gradSqNorm === null ? 'missing' : `${formatNumber(r.gradSqNorm)}, not positive`}: the gradient signal is lost in its noise)`
      : `B_simple = tr(Σ)/|G|² = ${formatNumber(r.traceSigma)} / ${formatNumber(r.gradSqNorm)} = ${formatNumber(r.bSimple)}  (estimate of the critical batch size; it usually grows as training goes on)`,
    '',
  ];
  const rows = r.history.map((h) => [
    String(h.examples),
    String(h.steps),
    formatNumber(h.learningRate),
    formatNumber(h.value),
    formatNumber(h.bSimple),
    formatNumber(h.gradSqNorm),
    formatNumber(h.traceSigma),
  ]);
  return [...head, renderTable(['examples', 'steps', 'lr', r.metric, 'B_simple', '|G|²', 'tr(Σ)'], rows)].join('\n');
}

/** Checks the flags against the config, trains the one configuration and collects its reports. */
async function measure(
  prepared: PreparedTrainer,
  flags: {
    batchSize: number | undefined;
    learningRate: string | undefined;
    examples: number | undefined;
    log: ((line: string) => void) | undefined;
  },
): Promise<NoiseScaleResult> {
  const { trainer, space, config, description } = prepared;
  const options = config.trainer.noiseScale as { every: number; microBatches: number } | undefined;
  if (!options) {
    throw new BatchtuneError(
      'USAGE',
      `trainer "${prepared.name}" does not measure the gradient noise scale here: add "noiseScale": { "every": <steps>, "microBatches": <k> } to the trainer (type "tfjs" or "process"), or pass --every`,
    );
  }
  const batchSize = flags.batchSize ?? space.batchSizes.at(0);
  if (batchSize === undefined) throw new BatchtuneError('USAGE', '--batch-size: required: the space lists no batch size');
  if (batchSize % options.microBatches !== 0) {
    throw new BatchtuneError(
      'USAGE',
      `--batch-size: ${batchSize} does not split into ${options.microBatches} equal micro-batches; use a multiple of ${options.microBatches}`,
    );
  }
  const examples =
    flags.examples ?? description.maxResource?.examples ?? (config.budget.unit === 'examples' ? config.budget.limit : undefined);
  if (examples === undefined)
    throw new BatchtuneError(
      'USAGE',
      '--examples: required: the trainer declares no maximum (set maxEpochs) and the budget is not in examples',
    );
  const params = prepared.paramsFor(batchSize);
  if (flags.learningRate !== undefined) {
    const rate = Number(flags.learningRate);
    if (flags.learningRate.trim() === '' || !(rate > 0) || !Number.isFinite(rate)) {
      throw new BatchtuneError('USAGE', `--learning-rate: must be a number > 0 (got ${JSON.stringify(flags.learningRate)})`);
    }
    params.learningRate = rate;
  }
  const warmup = space.warmupFor(params);
  const metric = description.objective?.metric ?? config.objective?.metric ?? 'val_acc';
  const history: NoiseHistoryPoint[] = [];
  let last: Report | undefined;
  const session = await trainer.open({ trialId: 0, params, seed: config.seed });
  try {
    await session.train({ limits: { examples }, batchSize, learningRate: params.learningRate, ...(warmup ? { warmup } : {}) }, (report) => {
      last = report;
      const point: NoiseHistoryPoint = {
        examples: report.progress.examples,
        steps: report.progress.steps,
        seconds: report.progress.seconds,
        learningRate: report.learningRate,
        bSimple: num(report.metrics.noise_scale),
        gradSqNorm: num(report.metrics.grad_sq_norm),
        traceSigma: num(report.metrics.trace_sigma),
        value: num(report.metrics[metric]),
      };
      history.push(point);
      flags.log?.(`${point.examples} examples: B_simple ${formatNumber(point.bSimple)}, ${metric} ${formatNumber(point.value)}`);
      return 'continue';
    });
  } finally {
    await session.dispose();
  }
  const final = [...history].reverse().find((h) => h.gradSqNorm !== null);
  return {
    bSimple: final?.bSimple ?? null,
    gradSqNorm: final?.gradSqNorm ?? null,
    traceSigma: final?.traceSigma ?? null,
    batchSize,
    learningRate: params.learningRate,
    microBatch: batchSize / options.microBatches,
    k: options.microBatches,
    every: options.every,
    measurements: num(last?.metrics.noise_measurements) ?? 0,
    steps: last?.progress.steps ?? 0,
    examples: last?.progress.examples ?? 0,
    metric,
    history,
  };
}
