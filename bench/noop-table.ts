/**
 * The no-op workload of bench/engine-overhead as a tabular file: `trials` configurations whose
 * curves report value(x, step) = x·step/(step + 3) at steps 1..reports (recorded as examples
 * 1000·step, one step of a 1000-example batch), x drawn at random per configuration: the same curves
 * the Optuna side reports.
 */
import seedrandom from 'seedrandom';
import type { TabularFile } from '../plugins/trainers/tabular-file.ts';

/** Examples per step, so rungs fall on whole steps. */
export const NOOP_STEP = 1000;

export function noopTable(trials: number, reports: number, seed: number): TabularFile {
  const random = seedrandom(`noop-${seed}`);
  const configs = Array.from({ length: trials }, (_, i) => {
    const x = random();
    const curve = Array.from({ length: reports }, (_, k) => {
      const step = k + 1;
      return { examples: NOOP_STEP * step, steps: step, seconds: 0, metrics: { value: (x * step) / (step + 3) } };
    });
    return { params: { batchSize: NOOP_STEP, learningRate: 0.01, config: i }, curves: [curve] };
  });
  return { name: 'noop', metric: 'value', mode: 'max', configs };
}
