/** The slice of tfjs's kernel interface that the wasm kernel replacements use (tfjs does not export it). */
import type * as tf from '@tensorflow/tfjs';

export interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

export interface KernelBackend {
  write(values: tf.TypedArray, shape: number[], dtype: tf.DataType): object;
  readSync(dataId: object): tf.TypedArray;
  disposeData(dataId: object, force?: boolean): unknown;
}

export type KernelArgs = { inputs: Record<string, TensorInfo | undefined>; backend: KernelBackend; attrs: Record<string, unknown> };
export type KernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** A kernel's required input; tfjs passes every input an op declares, so a missing one is a bug, named here. */
export function inputOf(inputs: KernelArgs['inputs'], name: string): TensorInfo {
  const info = inputs[name];
  if (!info) throw new Error(`kernel input "${name}" is missing`);
  return info;
}
