import * as tf from '@tensorflow/tfjs';
import { ensureBackend } from '../../../../plugins/trainers/tfjs/backend.ts';
import { packingChoices, setPackingMode, type PackingMode } from '../../../../plugins/trainers/tfjs/wasm-matmul.ts';
import { createTrainer, mnistOptions, trainFresh } from './helpers.ts';
import { at } from '../../../../core/indexed.ts';

/** Train and validation losses of one short MNIST run at batch 8 with the given packing. */
async function losses(mode: PackingMode): Promise<number[]> {
  setPackingMode(mode);
  const trainer = createTrainer(mnistOptions({ model: { type: 'mlp', hidden: [64, 32] }, evalEvery: 200 }));
  try {
    const reports = await trainFresh(trainer, 3, { limits: { examples: 800 }, batchSize: 8, learningRate: 0.05 });
    return reports.flatMap((r) => [Number(r.metrics.train_loss), Number(r.metrics.val_loss)]);
  } finally {
    void trainer.close();
  }
}

describe('wasm matMul operand packing', () => {
  beforeAll(() => ensureBackend('wasm'));
  afterAll(() => {
    setPackingMode('auto');
  });

  it('packing the left operand, (Bᵀ·Aᵀ)ᵀ, gives the same product for every transpose combination, fused too', () => {
    const a = tf.randomUniform([8, 20], -1, 1, 'float32', 1);
    const b = tf.randomUniform([20, 30], -1, 1, 'float32', 2);
    const bias = tf.randomUniform([30], -1, 1, 'float32', 3);
    const products = (mode: PackingMode) => {
      setPackingMode(mode);
      return [
        tf.matMul(a, b),
        tf.matMul(a.transpose(), b, true, false),
        tf.matMul(a, b.transpose(), false, true),
        tf.matMul(a.transpose(), b.transpose(), true, true),
        tf.matMul(tf.stack([a, a]), tf.stack([b, b])),
        // A dense layer's forward pass: unfused into product, bias and relu when packing the left.
        tf.fused.matMul({ a, b, bias, activation: 'relu' }),
        tf.fused.matMul({ a, b, bias }),
      ].map((t) => Array.from(t.dataSync()));
    };
    const right = tf.tidy(() => products('right'));
    const left = tf.tidy(() => products('left'));
    expect(left.map((p) => p.length)).toEqual([240, 240, 240, 240, 480, 240, 240]);
    expect(at(left, 5).some((v) => v === 0) && at(left, 5).some((v) => v > 0)).toBe(true);
    const worst = Math.max(...left.flatMap((p, i) => p.map((v, j) => Math.abs(v - at(at(right, i), j)))));
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([a, b, bias]);
  });

  it('trains to the same losses whichever operand is packed, and measures each shape once in auto', async () => {
    const right = await losses('right');
    const left = await losses('left');
    const auto = await losses('auto');
    expect(right).toHaveLength(8);
    expect(right.every(Number.isFinite)).toBe(true);
    for (const other of [left, auto]) {
      other.forEach((loss, i) => {
        expect(Math.abs(loss - at(right, i))).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(at(right, i))));
      });
    }
    // The batch-8 forward product of the first layer is narrower than the layer, so it was measured.
    expect(packingChoices()).toEqual(expect.arrayContaining([expect.stringMatching(/^8x784·784x64: (left|right)$/)]));
  });
});
