/**
 * One script process: spawned in its own process group (so a timeout or a close can kill it with
 * everything it started), its stdout read as protocol lines, and every way it can go wrong (exit,
 * garbage, silence) turned into one error, delivered to whoever waits for the next message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BatchtuneError } from '../../../core/errors.ts';
import { logSuffix } from './log.ts';
import { decode, encode, ProtocolViolation, type IncomingMessage, type OutgoingMessage } from './protocol.ts';
import { at } from '../../../core/indexed.ts';

interface LaunchSpec {
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The file descriptor the script's stderr is written to, and that file's path (for failure tails). */
  stderrFd: number;
  logPath: string;
}

/** Process groups still alive, killed if batchtune exits without closing them (an uncaught error, process.exit). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** How long to wait for stdout to drain after the process exits, before reporting the exit. */
const DRAIN_MS = 200;

interface Waiter {
  resolve(message: IncomingMessage): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

export class ScriptProcess {
  private readonly child: ChildProcess;
  private pending = '';
  private readonly queue: IncomingMessage[] = [];
  private waiter?: Waiter | undefined;
  /** Set once: the first thing that ended the conversation. Delivered after any queued messages. */
  private failure?: Error;
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exited: Promise<void>;
  private readonly stdin: Writable;
  private readonly stdout: Readable;
  private stdoutEnded = false;
  /** What the script was doing, for messages ("starting", "segment 2"). */
  phase = 'starting';

  constructor(private readonly spec: LaunchSpec) {
    this.child = spawn(at(spec.command, 0), spec.command.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['pipe', 'pipe', spec.stderrFd],
      // Its own process group: a kill reaches everything the script started (data loader workers too).
      detached: true,
    });
    if (this.child.pid !== undefined) track(this.child.pid);
    const { stdin, stdout } = this.child;
    if (!stdin || !stdout) throw new Error('spawn gave the script no stdin or stdout pipe');
    this.stdin = stdin;
    this.stdout = stdout;
    this.stdout.setEncoding('utf8');
    this.stdout.on('data', (chunk: string) => {
      this.onData(chunk);
    });
    this.stdout.once('end', () => (this.stdoutEnded = true));
    // A script that died makes writes fail with EPIPE; its exit is reported instead.
    this.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.fail(
          new BatchtuneError('PLUGIN_FAILED', `could not start ${JSON.stringify(spec.command.join(' '))} in ${spec.cwd}: ${error.message}`),
        );
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        if (this.child.pid !== undefined) liveGroups.delete(this.child.pid);
        let drained = false;
        let timer: NodeJS.Timeout | undefined = undefined;
        const report = () => {
          if (drained) return;
          drained = true;
          clearTimeout(timer);
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          this.fail(this.error(`the script ${how} while ${this.phase}`));
          resolve();
        };
        if (this.stdoutEnded) {
          report();
          return;
        }
        this.stdout.once('end', report);
        // A grandchild may hold stdout open after the script's exit: do not wait for it long.
        timer = setTimeout(report, DRAIN_MS);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exit === undefined && this.child.pid !== undefined;
  }

  send(message: OutgoingMessage): void {
    if (this.stdin.writable) this.stdin.write(encode(message));
  }

  /** The next message, or the reason there will be none; `timeoutMs` without one kills the process group. */
  receive(timeoutMs: number, timeoutOption: string): Promise<IncomingMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      waiter.timer = setTimeout(() => {
        this.killGroup('SIGKILL');
        const seconds = timeoutMs / 1000;
        this.fail(
          this.error(
            `the script sent nothing for ${seconds} s while ${this.phase} (${timeoutOption}); its process group ${this.child.pid} was killed`,
          ),
        );
      }, timeoutMs);
      this.waiter = waiter;
    });
  }

  /**
   * Ends the process politely, then less so: stdin closed (after the caller's `close`), SIGTERM after
   * `graceMs`, SIGKILL after another `graceMs`. Whatever is left in its group is killed at the end.
   */
  async terminate(graceMs: number): Promise<void> {
    this.phase = 'closing';
    this.stdin.end();
    if (this.alive && !(await this.exitsWithin(graceMs))) {
      this.killGroup('SIGTERM');
      if (!(await this.exitsWithin(graceMs))) this.killGroup('SIGKILL');
    }
    await this.exited;
    // Stragglers the script started and left behind (the group outlives its leader).
    if (this.child.pid !== undefined) signalGroup(this.child.pid, 'SIGKILL');
  }

  killGroup(signal: NodeJS.Signals): void {
    if (this.child.pid !== undefined) signalGroup(this.child.pid, signal);
  }

  /** An error about this script whose message ends with its stderr tail and log path. */
  error(what: string): BatchtuneError {
    return new BatchtuneError('PLUGIN_FAILED', `${what}${logSuffix(this.spec.logPath)}`);
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    if (!this.alive) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>(
      (resolve) =>
        (timer = setTimeout(() => {
          resolve(false);
        }, ms)),
    );
    const done = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }

  private onData(chunk: string): void {
    if (this.failure) return;
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (!line) continue;
      try {
        this.deliver(decode(line));
      } catch (error) {
        if (!(error instanceof ProtocolViolation)) throw error;
        // A script that breaks the protocol cannot be trusted to go on: end it and say why.
        this.killGroup('SIGKILL');
        this.fail(this.error(`the script ${error.message} (while ${this.phase})`));
        return;
      }
    }
  }

  private deliver(message: IncomingMessage): void {
    const waiter = this.waiter;
    if (!waiter) {
      this.queue.push(message);
      return;
    }
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(message);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }
}
