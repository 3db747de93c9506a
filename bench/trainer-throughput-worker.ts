/**
 * The tfjs trainer in a process of its own with `wasmThreads` = argv[2], for bench/trainer-throughput:
 * the wasm backend's thread count is fixed per process, so the threaded rows are timed here while
 * the benchmark alternates them with its own single-threaded runs. Prints a ready line with the
 * trainer's wasm info, then answers {"batch", "examples"} lines with {"examples_per_second"}.
 */
import { createInterface } from 'node:readline';
import { TfjsTrainer } from '../plugins/trainers/tfjs/trainer.ts';
import { benchOptions, trainerRun } from './trainer-run.ts';

const threads = Number(process.argv[2]);
const trainer = new TfjsTrainer(benchOptions(threads), { baseDir: process.cwd(), seed: 1 });
const description = await trainer.prepare();
const info = description.info as { backend: string; wasmThreads?: { threads: number; reason: string } };
console.log(JSON.stringify({ ready: true, backend: info.backend, wasmThreads: info.wasmThreads }));
for await (const line of createInterface({ input: process.stdin })) {
  const { batch, examples } = JSON.parse(line) as { batch: number; examples: number };
  console.log(JSON.stringify({ examples_per_second: await trainerRun(trainer, batch, examples) }));
}
trainer.close();
