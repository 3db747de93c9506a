/**
 * TensorFlow.js's cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner
 * through console.warn (with a stack trace under jest) the first time it stores a tensor, whether it is
 * the backend in use or a helper of another. batchtune says in one line which backend trains and why
 * (the trainer's info, printed on stderr by the CLI), so the banner is switched off before any tensor.
 */
import * as tf from '@tensorflow/tfjs';

export function silenceNodeBanner(): void {
  // findBackend creates the cpu backend if it does not exist yet (cheap: it allocates nothing).
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}
