/**
 * IDX files (the original MNIST format): a big-endian magic number 0x000008NN (unsigned bytes,
 * NN dimensions), NN uint32 sizes, then the bytes. Raw or gzipped (detected by 1f 8b).
 */
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dataError, type Table } from './table.ts';

export const IMAGES_MAGIC = 0x00000803;
export const LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Reads an IDX file, checking its magic number and length; `field` and `file` name it in errors. */
export function readIdx(file: string, absolute: string, expected: number, field: string, role: string): IdxArray {
  let bytes: Buffer = fs.readFileSync(absolute);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw dataError(`${field}: ${file} starts like gzip but does not decompress (${(error as Error).message})`);
    }
  }
  if (bytes.length < 4) throw dataError(`${field}: ${file} is too short to be an IDX file (${bytes.length} bytes)`);
  const magic = bytes.readUInt32BE(0);
  if (magic !== expected) {
    throw dataError(`${field}: wrong magic number ${hex(magic)} in ${file} (expected ${hex(expected)} for ${role})`);
  }
  const rank = expected & 0xff;
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw dataError(`${field}: ${file} ends inside its header`);
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw dataError(`${field}: ${file} holds ${bytes.length - header} data bytes but its header ${JSON.stringify(dims)} needs ${size}`);
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, size) };
}

/** Images (scaled to [0, 1]) and their labels from two IDX files; `field` is e.g. `trainer.data`. */
export function loadIdx(images: { file: string; absolute: string }, labels: { file: string; absolute: string }, field: string): Table {
  const img = readIdx(images.file, images.absolute, IMAGES_MAGIC, `${field}.images`, 'images');
  const lab = readIdx(labels.file, labels.absolute, LABELS_MAGIC, `${field}.labels`, 'labels');
  const [rows, height, width] = img.dims;
  if (lab.dims[0] !== rows) {
    throw dataError(`${field}: ${rows} images in ${images.file} but ${lab.dims[0]} labels in ${labels.file}; the counts must match`);
  }
  const x = new Float32Array(img.data.length);
  for (let i = 0; i < x.length; i++) x[i] = img.data[i] / 255;
  const y = Float32Array.from(lab.data);
  return { x, y, rows, shape: [height, width, 1], targets: 1, source: images.file };
}
