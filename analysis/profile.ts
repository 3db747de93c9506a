/**
 * Throughput per batch size on the actual backend, and the largest batch that fits in memory.
 *
 * Throughput: per batch size a fresh session trains `warmupSteps` (compilation, allocation), then
 * `repeats` timed runs of `steps` steps each; examples/s is the median over the runs. Time is the
 * trainer's own training seconds (Report progress), so evaluation is not counted.
 *
 * Memory: PyTorch Lightning's batch-size finder in "binsearch" mode. From a feasible size, double
 * until a one-step probe fails with InfeasibleError (out of memory) or the cap is reached, then
 * bisect between the last size that fitted and the first that did not. Every probe is a fresh
 * session, disposed right after.
 */
import { isCoded } from '../core/driver.ts';
import { errorMessage, type Params, type Trainer, type TrainerSession } from '../core/index.ts';
import { at } from '../core/indexed.ts';

const isInfeasible = (error: unknown) => isCoded(error, 'INFEASIBLE');

interface ProfileOptions {
  /** The params a trial at this batch size trains with (its learning rate and extras). */
  paramsFor: (batchSize: number) => Params;
  warmupSteps?: number;
  steps?: number;
  repeats?: number;
  seed?: number;
  /** Told each measurement as it is made (progress lines). */
  onMeasure?: (row: ThroughputRow | Probe) => void;
}

export interface ThroughputRow {
  batchSize: number;
  status: 'ok' | 'infeasible' | 'failed';
  /** Why it is infeasible or failed. */
  reason?: string;
  /** Median examples per training second over the repeats. */
  examplesPerSecond: number | null;
  secondsPerStep: number | null;
  /** Examples per second of each timed repeat. */
  repeats: number[];
}

export interface Probe {
  batchSize: number;
  feasible: boolean;
  reason?: string;
}

export interface MemorySearch {
  /** The largest batch size that trained a step; null when none did. */
  largestFeasible: number | null;
  /** The smallest batch size that did not fit; null when none failed up to the cap. */
  smallestInfeasible: number | null;
  /** The cap the doubling stopped at, when it fitted (the real limit is higher). */
  cappedAt: number | null;
  /** Every probe in the order it ran. */
  probes: Probe[];
  /** Set when a probe failed for a reason other than memory; the search stopped there. */
  error?: string;
}

let nextTrialId = 0;

async function withSession<T>(trainer: Trainer, params: Params, seed: number, use: (session: TrainerSession) => Promise<T>): Promise<T> {
  const session = await trainer.open({ trialId: nextTrialId++, params, seed });
  try {
    return await use(session);
  } finally {
    await session.dispose();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? at(sorted, mid) : (at(sorted, mid - 1) + at(sorted, mid)) / 2;
}

/** Examples/s per batch size: warm-up steps, then the median of timed repeats. */
export async function profileThroughput(
  trainer: Trainer,
  batchSizes: readonly number[],
  options: ProfileOptions,
): Promise<ThroughputRow[]> {
  const warmupSteps = options.warmupSteps ?? 2;
  const steps = options.steps ?? 5;
  const repeats = options.repeats ?? 3;
  const rows: ThroughputRow[] = [];
  for (const batchSize of batchSizes) {
    const params = options.paramsFor(batchSize);
    const request = (upTo: number) => ({ limits: { steps: upTo }, batchSize, learningRate: params.learningRate });
    let row: ThroughputRow;
    try {
      row = await withSession(trainer, params, options.seed ?? 0, async (session) => {
        let before = { examples: 0, steps: 0, seconds: 0 };
        if (warmupSteps > 0) before = (await session.train(request(warmupSteps), () => 'continue')).progress;
        const rates: number[] = [];
        const perStep: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const after = (await session.train(request(before.steps + steps), () => 'continue')).progress;
          const seconds = after.seconds - before.seconds;
          const stepped = after.steps - before.steps;
          if (stepped <= 0) throw new Error(`the trainer took no step at batch size ${batchSize} when asked for ${steps}`);
          if (seconds > 0) {
            rates.push((after.examples - before.examples) / seconds);
            perStep.push(seconds / stepped);
          }
          before = after;
        }
        return {
          batchSize,
          status: 'ok' as const,
          examplesPerSecond: rates.length ? median(rates) : null,
          secondsPerStep: perStep.length ? median(perStep) : null,
          repeats: rates,
        };
      });
    } catch (error) {
      row = {
        batchSize,
        status: isInfeasible(error) ? 'infeasible' : 'failed',
        reason: errorMessage(error),
        examplesPerSecond: null,
        secondsPerStep: null,
        repeats: [],
      };
    }
    rows.push(row);
    options.onMeasure?.(row);
  }
  return rows;
}

/** One training step at a batch size in a fresh session: does it fit? */
async function probe(trainer: Trainer, batchSize: number, options: ProfileOptions): Promise<Probe> {
  const params = options.paramsFor(batchSize);
  try {
    await withSession(trainer, params, options.seed ?? 0, async (session) => {
      const result = await session.train({ limits: { steps: 1 }, batchSize, learningRate: params.learningRate }, () => 'continue');
      if (result.progress.steps < 1) throw new Error(`the trainer took no step at batch size ${batchSize} when asked for 1`);
    });
    return { batchSize, feasible: true };
  } catch (error) {
    if (isInfeasible(error)) return { batchSize, feasible: false, reason: errorMessage(error) };
    throw error;
  }
}

/**
 * The largest batch size that fits, by doubling up to `maxBatch`, then bisecting to the exact size.
 * `known` holds sizes already measured (feasible or not): they are not probed again, and the search
 * starts from the largest that fitted (doubling from `start` when none did).
 */
export async function findMaxBatchSize(
  trainer: Trainer,
  start: number,
  maxBatch: number,
  options: ProfileOptions,
  known: ReadonlyMap<number, boolean> = new Map(),
): Promise<MemorySearch> {
  const probes: Probe[] = [];
  const results = new Map(known);
  const fits = async (batchSize: number): Promise<boolean> => {
    const cached = results.get(batchSize);
    if (cached !== undefined) return cached;
    const p = await probe(trainer, batchSize, options);
    probes.push(p);
    options.onMeasure?.(p);
    results.set(batchSize, p.feasible);
    return p.feasible;
  };
  // What is already known narrows the search: the largest size that fitted, the smallest above it that did not.
  let lo = Math.max(0, ...[...results].filter(([, ok]) => ok).map(([b]) => b));
  let hi: number | null = Math.min(...[...results].filter(([b, ok]) => !ok && b > lo).map(([b]) => b));
  if (!Number.isFinite(hi)) hi = null;
  let cappedAt: number | null = null;
  try {
    if (hi === null || hi > maxBatch) {
      // Doubling, never past the cap: a failure above it is not looked for.
      hi = null;
      if (lo >= maxBatch) {
        cappedAt = lo;
      } else {
        let size = lo > 0 ? Math.min(lo * 2, maxBatch) : Math.max(1, Math.min(start, maxBatch));
        for (;;) {
          if (await fits(size)) {
            lo = size;
            if (size >= maxBatch) {
              cappedAt = size;
              break;
            }
            size = Math.min(size * 2, maxBatch);
          } else {
            hi = size;
            break;
          }
        }
      }
    }
    while (hi !== null && hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await fits(mid)) lo = mid;
      else hi = mid;
    }
  } catch (error) {
    return { largestFeasible: lo || null, smallestInfeasible: hi, cappedAt, probes, error: errorMessage(error) };
  }
  return { largestFeasible: lo || null, smallestInfeasible: hi, cappedAt, probes };
}
