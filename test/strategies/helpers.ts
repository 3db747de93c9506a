import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  JsonlFileStore,
  MemoryStore,
  type Decision,
  type JournalRecord,
  type Params,
  type PluginRegistry,
  type SearchSummary,
  type Store,
} from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import type { CurvePoint, TabularFile } from '../../plugins/trainers/tabular-file.ts';
import { writeTabular } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

/** Points every STEP examples up to MAX: with minResource 1000 and η = 3 the rungs are 1000, 3000, 9000. */
export const STEP = 1000;
export const MAX = 9000;

/**
 * A config's curve by its value at a few resources (examples → value), linear in between and flat
 * after the last; `null` anywhere makes that point diverged. `at` may also give every point.
 */
export type Shape = Record<number, number | null> | Array<number | null>;

export interface ConfigSpec {
  batchSize?: number;
  learningRate?: number;
  /** One shape per seed (curve). */
  shapes: Shape[];
}

function valueOf(shape: Shape, examples: number): number | null {
  if (Array.isArray(shape)) return shape[examples / STEP - 1] ?? null;
  const keys = Object.keys(shape)
    .map(Number)
    .sort((a, b) => a - b);
  if (examples in shape) return shape[examples] ?? null;
  const hi = keys.find((k) => k > examples);
  const lo = [...keys].reverse().find((k) => k < examples);
  if (lo === undefined) return shape[defined(hi, `a point of the shape around ${examples}`)] ?? null;
  if (hi === undefined) return shape[lo] ?? null;
  const a = shape[lo] ?? null;
  const b = shape[hi] ?? null;
  if (a === null || b === null) return null;
  return a + ((b - a) * (examples - lo)) / (hi - lo);
}

/**
 * A tabular file whose configurations carry a `name` param (so tests speak of "a", "b"...). Points
 * every STEP examples to MAX; seconds per point grow with 1/sqrt(batch size) so finish times differ.
 */
export function table(configs: Record<string, ConfigSpec>, options: { metric?: string; mode?: 'min' | 'max' } = {}): TabularFile {
  const metric = options.metric ?? 'val_acc';
  return {
    name: 'hand-built',
    metric,
    mode: options.mode ?? 'max',
    configs: Object.entries(configs).map(([name, spec], i) => {
      const batchSize = spec.batchSize ?? 2 ** (3 + (i % 7));
      const params: Params = { batchSize, learningRate: spec.learningRate ?? 0.1, name };
      const curves = spec.shapes.map((shape): CurvePoint[] => {
        const points: CurvePoint[] = [];
        for (let e = STEP; e <= MAX; e += STEP) {
          points.push({
            examples: e,
            steps: Math.ceil(e / batchSize),
            seconds: +((e / 1000) * (4 / Math.sqrt(batchSize))).toFixed(6),
            metrics: { [metric]: valueOf(shape, e) },
          });
        }
        return points;
      });
      return { params, curves };
    }),
  };
}

/** The same shape for every config, shifted: handy for many configs with distinct, known values. */
export function flat(values: Record<string, number>): Record<string, ConfigSpec> {
  return Object.fromEntries(Object.entries(values).map(([name, v]) => [name, { shapes: [{ 1000: v, 3000: v, 9000: v }] }]));
}

let fileCount = 0;
export function writeTable(dir: string, t: TabularFile): string {
  return writeTabular(dir, t, `table-${process.pid}-${fileCount++}.json`);
}

/** A study on a tabular file, run by the real engine with an in-memory (or given) journal. */
export async function study(
  file: string,
  strategy: object,
  extra: Record<string, unknown> = {},
  options: { journal?: Store; resume?: boolean; registry?: PluginRegistry } = {},
): Promise<{ summary: SearchSummary; records: JournalRecord[]; trace: Trace }> {
  const journal = options.journal ?? new MemoryStore();
  const summary = await runStudy(
    { seed: 7, budget: { unit: 'examples', limit: 1e9 }, strategy, trainer: { type: 'tabular', file }, ...extra },
    { journal, ...(options.resume ? { resume: true } : {}), ...(options.registry ? { registry: options.registry } : {}) },
  );
  // A file store reads its records when opened: read the file again to see what this run wrote.
  const records = (journal instanceof JsonlFileStore ? new JsonlFileStore(journal.path).read() : journal.read()) as JournalRecord[];
  return { summary, records, trace: traceOf(records) };
}

export interface Trace {
  /** Decisions in order, each named: "start a@1000", "continue c@3000", "stop d". */
  steps: string[];
  /** Trial id → config name. */
  names: Map<number, string>;
  /** Trial id → tag. */
  tags: Map<number, unknown>;
  decisions: Decision[];
  /** Names started or continued to each resource, in decision order. */
  reached(resource: number): string[];
  /** Names stopped by the strategy, in decision order. */
  stopped(): string[];
}

/** Reads a journal back as named decisions. Trial ids follow start decisions in order. */
export function traceOf(records: readonly JournalRecord[]): Trace {
  const decisions: Decision[] = [];
  for (const r of records) if (r.t === 'decision') decisions[r.n] = r.decision;
  const names = new Map<number, string>();
  const tags = new Map<number, unknown>();
  for (const r of records) {
    if (r.t === 'trialStart') {
      names.set(r.trialId, String(r.params.name));
      if (r.tag !== undefined) tags.set(r.trialId, r.tag);
    }
  }
  const steps = decisions.map((d) => {
    switch (d.kind) {
      case 'start':
        return `start ${d.params.name}@${d.resource}`;
      case 'continue':
        return `continue ${names.get(d.trialId)}@${d.resource}`;
      case 'stop':
        return `stop ${names.get(d.trialId)}`;
      default:
        return d.kind;
    }
  });
  return {
    steps,
    names,
    tags,
    decisions,
    reached: (resource) =>
      steps.filter((s) => s.endsWith(`@${resource}`) && !s.startsWith('stop')).map((s) => at(at(s.split(' '), 1).split('@'), 0)),
    stopped: () => steps.filter((s) => s.startsWith('stop ')).map((s) => s.slice(5)),
  };
}

/** Names of a summary's trials by state. */
export function byState(summary: SearchSummary): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of summary.trials) (out[t.state] ??= []).push(String(t.params.name));
  for (const list of Object.values(out)) list.sort();
  return out;
}

export function sorted(names: string[]): string[] {
  return [...names].sort();
}

/**
 * Proof of resume: runs the study into a journal file, then for each cut keeps the first K lines
 * (plus half of the next, as a SIGKILL mid-write leaves it), resumes, and returns both runs.
 */
export async function resumeRuns(
  dir: string,
  file: string,
  strategy: object,
  extra: Record<string, unknown>,
  cuts: (lines: number) => number[],
) {
  const full = join(dir, `full-${fileCount++}.jsonl`);
  const whole = await study(file, strategy, extra, { journal: new JsonlFileStore(full) });
  const lines = readFileSync(full, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const resumed: Array<{ cut: number; summary: SearchSummary; trace: Trace }> = [];
  for (const cut of cuts(lines.length)) {
    const path = join(dir, `cut-${fileCount++}.jsonl`);
    const half = lines[cut] ? lines[cut].slice(0, Math.floor(lines[cut].length / 2)) : '';
    writeFileSync(path, `${lines.slice(0, cut).join('\n')}\n${half}`);
    const again = await study(file, strategy, extra, { journal: new JsonlFileStore(path), resume: true });
    resumed.push({ cut, summary: again.summary, trace: again.trace });
  }
  return { whole, lines: lines.length, resumed };
}
