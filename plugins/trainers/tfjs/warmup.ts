/** Learning-rate warmup: a linear ramp from `from` to the target rate over the trial's first examples. */
import type { Warmup } from '../../../core/params.ts';

/** The rate for a step that starts after `examples` examples of the trial. */
export function rateAt(examples: number, target: number, warmup?: Warmup): number {
  if (!warmup || warmup.examples <= 0 || examples >= warmup.examples) return target;
  return warmup.from + (target - warmup.from) * (examples / warmup.examples);
}
