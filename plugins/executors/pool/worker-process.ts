/**
 * A pool worker: one process with its own trainer (its own TensorFlow.js), training the segments the
 * search process sends it and streaming each report back for a verdict. It exits when the search
 * process goes away, so a killed search leaves no workers behind.
 */
import { createTrainer, loadPlugins, TrialHost, type ReportVerdict } from '../../../core/index.ts';
import { createRegistry } from '../../builtins.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import { toWire } from './wire-error.ts';

const HEARTBEAT_MS = 1000;

let host: TrialHost | undefined;
const verdicts = new Map<string, (verdict: ReportVerdict) => void>();

function send(message: FromWorker): void {
  process.send?.(message);
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.t) {
    case 'init': {
      try {
        const { init } = message;
        const registry = createRegistry();
        await loadPlugins(init.plugins, registry, init.baseDir);
        const trainer = createTrainer({ trainer: init.trainer, seed: init.seed }, registry, init.baseDir);
        const description = await trainer.instance.prepare();
        host = new TrialHost(trainer, init.checkpointDir);
        send({ t: 'ready', description });
      } catch (error) {
        send({ t: 'initFailed', error: toWire(error) });
      }
      return;
    }
    case 'run': {
      const { id, job } = message;
      let seq = 0;
      try {
        if (!host) throw new Error('the pool worker was sent a segment before its trainer was ready');
        const result = await host.run(job, (report) => {
          const n = seq++;
          send({ t: 'report', id, seq: n, report });
          return new Promise<ReportVerdict>((resolve) => verdicts.set(`${id}:${n}`, resolve));
        });
        send({ t: 'done', id, result });
      } catch (error) {
        send({ t: 'failed', id, error: toWire(error) });
      }
      return;
    }
    case 'verdict': {
      const key = `${message.id}:${message.seq}`;
      verdicts.get(key)?.(message.verdict);
      verdicts.delete(key);
      return;
    }
    case 'release': {
      try {
        await host?.release(message.trialId);
        send({ t: 'released', trialId: message.trialId });
      } catch (error) {
        send({ t: 'released', trialId: message.trialId, error: toWire(error) });
      }
      return;
    }
    case 'close': {
      await host?.close();
      send({ t: 'closed' });
      process.exit(0);
    }
  }
}

process.on('message', (message: ToWorker) => void handle(message));
// The search process died or closed the channel: nothing here can be reported any more. Checking the
// parent too covers a channel that closed while this process was still loading its modules.
process.on('disconnect', () => process.exit(0));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent || !process.connected) process.exit(0);
}, 500).unref();
setInterval(() => {
  send({ t: 'beat' });
}, HEARTBEAT_MS).unref();
