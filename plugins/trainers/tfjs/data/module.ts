/**
 * Data from the user's own module: it exports `{ x, y }` (as named exports, as its default export,
 * or from a default/`load` function, sync or async, called with `tf`). `x` is `number[][]` or a
 * tensor whose first axis is the example; `y` is `number[]` (class ids or one target), `number[][]`
 * (one-hot rows or several targets) or a tensor. Tensors it returns are read and disposed.
 */
import * as tf from '@tensorflow/tfjs';
import { importUserModule as importModule } from '../../../../core/user-module.ts';
import { dataError, type Table } from './table.ts';

type Numbers = number[] | number[][] | tf.Tensor;

interface ModuleData {
  x: Numbers;
  y: Numbers;
}

export async function importUserModule(absolute: string, field: string, file: string): Promise<Record<string, unknown>> {
  try {
    return await importModule(absolute);
  } catch (error) {
    throw dataError(`${field}: cannot load ${file}: ${(error as Error).message}`);
  }
}

export async function loadModuleData(file: string, absolute: string, field: string): Promise<Table> {
  const mod = await importUserModule(absolute, `${field}.path`, file);
  let value: unknown = 'x' in mod && 'y' in mod ? { x: mod.x, y: mod.y } : (mod.load ?? mod.default);
  const from = 'x' in mod ? 'its exports' : 'load' in mod ? 'load()' : 'default' in mod ? 'its default export' : undefined;
  if (typeof value === 'function') value = await (value as (t: typeof tf) => unknown)(tf);
  if (!isModuleData(value)) {
    const got = from ? `${from} gave ${describe(value)}` : `it exports ${Object.keys(mod).join(', ') || 'nothing'}`;
    throw dataError(`${field}.path: ${file} must export { x, y }, or a default or load function returning them; ${got}`);
  }
  const x = toRows(value.x, `${field}.path`, file, 'x');
  const y = toRows(value.y, `${field}.path`, file, 'y');
  if (x.rows !== y.rows) throw dataError(`${field}.path: ${file} gives ${x.rows} rows of x but ${y.rows} of y; the counts must match`);
  return { x: x.values, y: y.values, rows: x.rows, shape: x.shape, targets: y.shape.reduce((a, b) => a * b, 1), source: file };
}

function isModuleData(value: unknown): value is ModuleData {
  return typeof value === 'object' && value !== null && 'x' in value && 'y' in value;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
}

function toRows(value: Numbers, field: string, file: string, name: string): { values: Float32Array; rows: number; shape: number[] } {
  if (value instanceof tf.Tensor) {
    const shape = value.shape.slice(1);
    const rows = value.shape.length > 0 ? value.shape[0] : 1;
    const values = Float32Array.from(value.dataSync());
    value.dispose();
    return { values, rows, shape: shape.length ? shape : [1] };
  }
  if (!Array.isArray(value) || value.length === 0) throw dataError(`${field}: ${name} in ${file} must be a non-empty array or a tensor`);
  const nested = Array.isArray(value[0]);
  const width = nested ? (value[0] as number[]).length : 1;
  const values = new Float32Array(value.length * width);
  for (let r = 0; r < value.length; r++) {
    const row = value[r];
    const cells = nested ? (row as number[]) : [row as number];
    if (!Array.isArray(cells) || cells.length !== width) {
      throw dataError(`${field}: ${name}[${r}] in ${file} has ${Array.isArray(cells) ? cells.length : 'no'} values; row 0 has ${width}`);
    }
    for (let c = 0; c < width; c++) {
      const v = cells[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw dataError(`${field}: ${name}[${r}]${nested ? `[${c}]` : ''} in ${file} is ${JSON.stringify(v)}, not a finite number`);
      }
      values[r * width + c] = v;
    }
  }
  return { values, rows: value.length, shape: [width] };
}
