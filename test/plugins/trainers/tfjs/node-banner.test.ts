/**
 * TensorFlow.js's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js..." with
 * console.warn on its first tensor. batchtune says which backend it uses in one line of its own, so the
 * banner must never reach users or test logs, whichever backend trains.
 */
import { jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { ensureBackend } from '../../../../plugins/trainers/tfjs/backend.ts';

test('training on the cpu backend never prints the "running TensorFlow.js in Node.js" banner', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    expect(await ensureBackend('cpu')).toEqual({ backend: 'cpu', reason: 'cpu: requested' });
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
    expect(Array.from(sum)).toEqual([4, 6]);
    // The first tensor on the cpu backend is where TensorFlow.js prints it.
    expect(warn.mock.calls.flat().join('\n')).not.toContain('running TensorFlow.js in Node.js');
  } finally {
    warn.mockRestore();
  }
});
