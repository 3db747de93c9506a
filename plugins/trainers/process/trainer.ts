/**
 * The process trainer: each trial is one run of the user's command, spoken to in JSON lines.
 * `prepare` may start the script once to ask it to describe itself; `open` starts a trial's process
 * and waits until it is ready to train.
 */
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { TrainerContext } from '../../../core/plugin.ts';
import type { Trainer, TrainerDescription, TrialHandle } from '../../../core/trainer.ts';
import { ownPackage } from '../../../core/package-root.ts';
import { ScriptProcess } from './child.ts';
import { openStderrLog, releaseLog, resolveLogDir } from './log.ts';
import type { ProcessOptions } from './options.ts';
import { PROTOCOL_VERSION, type IncomingMessage } from './protocol.ts';
import { ProcessSession } from './session.ts';

/** The folder holding `batchtune_trainer.py`, put on the script's PYTHONPATH. */
export const PYTHON_HELPER_DIR = join(ownPackage().root, 'python');

export class ProcessTrainer implements Trainer {
  private logDir?: string;
  /** Sessions not yet disposed, closed by `close` if their owner forgot them. */
  private readonly live = new Set<ProcessSession>();

  constructor(
    private readonly options: ProcessOptions,
    private readonly context: TrainerContext,
  ) {}

  async prepare(): Promise<TrainerDescription> {
    this.logDir ??= resolveLogDir(this.options.logDir, this.context.baseDir);
    const info = { command: this.options.command, cwd: this.cwd, protocol: PROTOCOL_VERSION, logDir: this.logDir };
    if (!this.options.describe) return { info };
    const script = this.launch('describe', { BATCHTUNE_DESCRIBE: '1' });
    try {
      await this.handshake(script);
      script.phase = 'describing itself';
      script.send({ type: 'describe', protocol: PROTOCOL_VERSION });
      const answer = await this.expect(script, 'description', this.options.startTimeoutSeconds, 'startTimeoutSeconds');
      return {
        ...(answer.objective ? { objective: answer.objective } : {}),
        ...(answer.maxResource ? { maxResource: answer.maxResource } : {}),
        ...(answer.space ? { space: answer.space } : {}),
        info: { ...info, ...(answer.info ? { script: answer.info } : {}) },
      };
    } finally {
      script.send({ type: 'close' });
      await script.terminate(this.options.closeGraceSeconds * 1000);
    }
  }

  async open(trial: TrialHandle): Promise<ProcessSession> {
    this.logDir ??= resolveLogDir(this.options.logDir, this.context.baseDir);
    const { script, trialDir } = this.launchTrial(trial);
    try {
      await this.handshake(script);
      script.phase = 'opening the trial';
      const noise = this.options.noiseScale;
      script.send({
        type: 'open',
        protocol: PROTOCOL_VERSION,
        trialId: trial.trialId,
        params: trial.params,
        seed: trial.seed,
        trialDir,
        ...(noise ? { noiseScale: { every: noise.every, microBatches: noise.microBatches } } : {}),
      });
      await this.expect(script, 'ready', this.options.startTimeoutSeconds, 'startTimeoutSeconds');
      script.phase = 'waiting for its first segment';
      const session = new ProcessSession(script, this.options, () => this.live.delete(session));
      this.live.add(session);
      return session;
    } catch (error) {
      await script.terminate(0);
      throw error;
    }
  }

  /** Ends every trial process still running (the engine disposes each session; this is the safety net). */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((session) => session.dispose()));
  }

  private get cwd(): string {
    const dir = this.options.cwd;
    return dir === undefined ? this.context.baseDir : isAbsolute(dir) ? dir : resolve(this.context.baseDir, dir);
  }

  private launchTrial(trial: TrialHandle): { script: ScriptProcess; trialDir: string } {
    const env = { BATCHTUNE_TRIAL_ID: String(trial.trialId), BATCHTUNE_SEED: String(trial.seed) };
    const script = this.launch(
      `trial-${trial.trialId}`,
      env,
      `trial ${trial.trialId} (seed ${trial.seed}, params ${JSON.stringify(trial.params)})`,
    );
    return { script, trialDir: script.dir };
  }

  private launch(name: string, extraEnv: Record<string, string>, what = 'describe'): ScriptProcess & { dir: string } {
    if (this.logDir === undefined) throw new Error('the process trainer launched a script before prepare() chose its log folder');
    const log = openStderrLog(
      this.logDir,
      name,
      `${what}: ${JSON.stringify(this.options.command)} in ${this.cwd} at ${new Date().toISOString()}`,
    );
    const base = this.options.inheritEnv ? process.env : {};
    const pythonPath = [this.options.env['PYTHONPATH'] ?? base.PYTHONPATH, PYTHON_HELPER_DIR].filter(Boolean).join(delimiter);
    const env = {
      ...base,
      ...this.options.env,
      ...extraEnv,
      BATCHTUNE_PROTOCOL: String(PROTOCOL_VERSION),
      BATCHTUNE_TRIAL_DIR: log.dir,
      PYTHONPATH: pythonPath,
      // Python buffers a piped stderr; unbuffered, the log's tail is current when a trial fails.
      PYTHONUNBUFFERED: '1',
    };
    try {
      const script = new ScriptProcess({ command: this.options.command, cwd: this.cwd, env, stderrFd: log.fd, logPath: log.path });
      return Object.assign(script, { dir: log.dir });
    } finally {
      // The child holds its own copy of the descriptor.
      releaseLog(log);
    }
  }

  /** The script's first word: `hello` with the protocol version it speaks. */
  private async handshake(script: ScriptProcess): Promise<void> {
    const hello = await this.expect(script, 'hello', this.options.startTimeoutSeconds, 'startTimeoutSeconds');
    if (hello.protocol !== PROTOCOL_VERSION) {
      throw script.error(
        `the script speaks protocol version ${hello.protocol}; this batchtune speaks ${PROTOCOL_VERSION} (update batchtune_trainer.py or batchtune)`,
      );
    }
  }

  private async expect<T extends IncomingMessage['type']>(
    script: ScriptProcess,
    type: T,
    seconds: number,
    option: string,
  ): Promise<Extract<IncomingMessage, { type: T }>> {
    for (;;) {
      const message = await script.receive(seconds * 1000, `${option} ${seconds}`);
      if (message.type === type) return message as Extract<IncomingMessage, { type: T }>;
      if (message.type === 'heartbeat') continue;
      if (message.type === 'error') {
        throw script.error(`the script sent an error while ${script.phase}: ${message.message}`);
      }
      throw script.error(`the script sent "${message.type}" while ${script.phase}; expected "${type}"`);
    }
  }
}
