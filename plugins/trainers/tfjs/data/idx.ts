/**
 * IDX files (the original MNIST format): a big-endian magic number 0x000008NN (unsigned bytes,
 * NN dimensions), NN uint32 sizes, then the bytes. Raw or gzipped (detected by 1f 8b).
 */
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dataError, type Table } from './table.ts';
import { at } from '../../../../core/indexed.ts';

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Checks an IDX file's bytes (decompressed) against what it should hold: the magic number, the
 * header and the data length. Byte offsets in messages count from the start of the IDX bytes.
 */
function checkIdxBytes(bytes: Buffer, file: string, expected: number, field: string, role: string, gzipped: boolean): number[] {
  const where = gzipped ? `${file} (decompressed)` : file;
  if (bytes.length < 4) {
    throw dataError(
      `${field}: ${where} ends at byte ${bytes.length}, before its 4-byte magic number; it is empty or truncated: use the full IDX ${role} file`,
    );
  }
  const magic = bytes.readUInt32BE(0);
  if (magic !== expected) {
    const swapped =
      magic === IMAGES_MAGIC || magic === LABELS_MAGIC
        ? `; it looks like an IDX ${magic === IMAGES_MAGIC ? 'images' : 'labels'} file: are images and labels swapped?`
        : '; it is not an IDX file of unsigned bytes';
    throw dataError(`${field}: ${where} byte 0: magic number ${hex(magic)} is not ${hex(expected)} (IDX ${role})${swapped}`);
  }
  const rank = expected & 0xff;
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    throw dataError(
      `${field}: ${where} ends at byte ${bytes.length}, inside its ${header}-byte header; the file is truncated: use the full IDX ${role} file`,
    );
  }
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    const problem =
      bytes.length < header + size
        ? 'the file is truncated: use the full file'
        : 'it has extra bytes after the data: use an unmodified IDX file';
    throw dataError(
      `${field}: ${where} ends at byte ${bytes.length} but its header ${JSON.stringify(dims)} needs ${header + size} bytes; ${problem}`,
    );
  }
  return dims;
}

/** Reads an IDX file, raw or gzipped, checking its magic number and length; `field` and `file` name it in errors. */
function readIdx(file: string, absolute: string, expected: number, field: string, role: string): IdxArray {
  let bytes: Buffer = fs.readFileSync(absolute);
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gzipped) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw dataError(
        `${field}: ${file} starts like gzip but does not decompress (${(error as Error).message}, ${bytes.length} bytes compressed); it is truncated or damaged: use the full .gz file`,
      );
    }
  }
  const dims = checkIdxBytes(bytes, file, expected, field, role, gzipped);
  const header = 4 + 4 * dims.length;
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, bytes.length - header) };
}

/** Images (scaled to [0, 1]) and their labels from two IDX files; `field` is e.g. `trainer.data`. */
export function loadIdx(images: { file: string; absolute: string }, labels: { file: string; absolute: string }, field: string): Table {
  const img = readIdx(images.file, images.absolute, IMAGES_MAGIC, `${field}.images`, 'images');
  const lab = readIdx(labels.file, labels.absolute, LABELS_MAGIC, `${field}.labels`, 'labels');
  const rows = at(img.dims, 0);
  const height = at(img.dims, 1);
  const width = at(img.dims, 2);
  if (lab.dims[0] !== rows) {
    throw dataError(`${field}: ${rows} images in ${images.file} but ${lab.dims[0]} labels in ${labels.file}; the counts must match`);
  }
  const x = new Float32Array(img.data.length);
  for (let i = 0; i < x.length; i++) x[i] = at(img.data, i) / 255;
  const y = Float32Array.from(lab.data);
  return { x, y, rows, shape: [height, width, 1], targets: 1, source: images.file };
}
