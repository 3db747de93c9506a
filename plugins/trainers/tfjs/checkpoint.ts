/**
 * A tfjs session as bytes: a JSON header (the session's counters and each tensor's name, shape and dtype)
 * followed by the tensors' raw data. Model weights and optimizer slots (momentum, Adam moments and the
 * iteration count) are saved in their own order, which is the order tfjs restores them by.
 */
import * as tf from '@tensorflow/tfjs';

interface TensorEntry {
  group: 'model' | 'optimizer';
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  bytes: number;
}

interface CheckpointParts<S> {
  state: S;
  model: tf.Tensor[];
  optimizer: Array<{ name: string; tensor: tf.Tensor }>;
}

export async function encodeCheckpoint<S>(parts: CheckpointParts<S>): Promise<Uint8Array> {
  const tensors: Array<{ entry: TensorEntry; data: Uint8Array }> = [];
  const add = async (group: TensorEntry['group'], name: string, tensor: tf.Tensor) => {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const values = await tensor.data();
    const data = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    tensors.push({ entry: { group, name, shape: tensor.shape, dtype, bytes: data.byteLength }, data });
  };
  for (const [i, tensor] of parts.model.entries()) await add('model', String(i), tensor);
  for (const { name, tensor } of parts.optimizer) await add('optimizer', name, tensor);
  const header = new TextEncoder().encode(JSON.stringify({ state: parts.state, tensors: tensors.map((t) => t.entry) }));
  const out = new Uint8Array(4 + header.byteLength + tensors.reduce((n, t) => n + t.data.byteLength, 0));
  new DataView(out.buffer).setUint32(0, header.byteLength, true);
  out.set(header, 4);
  let offset = 4 + header.byteLength;
  for (const { data } of tensors) {
    out.set(data, offset);
    offset += data.byteLength;
  }
  return out;
}

/** The parts back, as new tensors the caller owns (and disposes once it has assigned them). */
export function decodeCheckpoint<S>(bytes: Uint8Array): CheckpointParts<S> {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const { state, tensors } = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as { state: S; tensors: TensorEntry[] };
  let offset = 4 + length;
  const parts: CheckpointParts<S> = { state, model: [], optimizer: [] };
  for (const entry of tensors) {
    const raw = bytes.slice(offset, offset + entry.bytes);
    offset += entry.bytes;
    const values = entry.dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
    const tensor = tf.tensor(values, entry.shape, entry.dtype);
    if (entry.group === 'model') parts.model.push(tensor);
    else parts.optimizer.push({ name: entry.name, tensor });
  }
  return parts;
}
