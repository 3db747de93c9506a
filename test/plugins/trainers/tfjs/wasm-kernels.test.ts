import * as tf from '@tensorflow/tfjs';
import { ensureBackend } from '../../../../plugins/trainers/tfjs/backend.ts';
import { installWasmKernels } from '../../../../plugins/trainers/tfjs/wasm-kernels.ts';
import { at } from '../../../../core/indexed.ts';

/** Runs `f` on the cpu backend and on wasm (with the installed kernels); returns both results. */
async function onBoth(f: () => tf.Tensor): Promise<[number[], number[]]> {
  await tf.setBackend('cpu');
  const cpu = tf.tidy(f);
  const expected = Array.from(await cpu.data());
  cpu.dispose();
  await ensureBackend('wasm');
  const wasm = tf.tidy(f);
  const actual = Array.from(await wasm.data());
  wasm.dispose();
  return [actual, expected];
}

function close(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - at(expected, i)) / (1 + Math.abs(at(expected, i)))));
  expect(worst).toBeLessThan(1e-4);
}

describe('wasm kernels', () => {
  beforeAll(async () => {
    await ensureBackend('wasm');
    // The cpu backend is the reference here; skip its "install tfjs-node" banner.
    (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
  });

  it('are installed once, listed for the summary', () => {
    const installed = installWasmKernels();
    expect(installed).toEqual(
      expect.arrayContaining(['BatchMatMul: explicit transposes, packing measured per shape', 'Conv2DBackpropFilter: js']),
    );
    expect(installWasmKernels()).toBe(installed);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matMul with transposeA=%s transposeB=%s equals the cpu result, batched too', async (ta, tb) => {
    const a = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 1);
    const b = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 2);
    close(...(await onBoth(() => tf.matMul(a(ta ? [7, 5] : [5, 7]), b(tb ? [3, 7] : [7, 3]), ta, tb))));
    close(...(await onBoth(() => tf.matMul(a(ta ? [2, 7, 5] : [2, 5, 7]), b(tb ? [2, 3, 7] : [2, 7, 3]), ta, tb))));
  });

  it.each([
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'same'],
    [[2, 9, 8, 3], [3, 3, 3, 4], 2, 'valid'],
    [[1, 7, 7, 2], [5, 5, 2, 3], 2, 'same'],
  ] as const)(
    'the conv filter gradient for x %j, filter %j, stride %d, %s padding equals the cpu one',
    async (xShape, fShape, stride, pad) => {
      const gradient = () => {
        const x = tf.randomNormal<tf.Rank.R4>([...xShape], 0, 1, 'float32', 3);
        const filter = tf.randomNormal<tf.Rank.R4>([...fShape], 0, 1, 'float32', 4);
        const dy = tf.randomNormal(tf.conv2d(x, filter, stride, pad).shape, 0, 1, 'float32', 5);
        return tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, stride, pad), dy)))(filter);
      };
      close(...(await onBoth(gradient)));
    },
  );
});
