import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { defined } from './defined.ts';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin/batchtune.js');

/** Debian's redis-server, when installed (`apt-get install -y redis-server`; .ci/run installs it). */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

export function skipMessage(suite: string): void {
  if (!hasRedisServer) console.warn(`SKIPPED ${suite}: redis-server is not installed (apt-get install -y redis-server)`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Resolves when `child` writes a line matching `pattern` on stderr or stdout; rejects if it exits first. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${seen}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; output:\n${seen}`));
    });
  });
}

/** A throwaway redis-server on a free port of 127.0.0.1, without persistence. */
export async function startRedis(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForLine(child, /Ready to accept connections/);
  return { url: `redis://127.0.0.1:${port}`, pid: defined(child.pid, 'child.pid'), stop: () => stopChild(child) };
}

export type WorkerChild = ChildProcess & { output: string[] };

/** A `batchtune worker` process, ready once it says it listens; `output` collects what it writes on stderr. */
export async function startWorker(url: string, prefix: string, concurrency = 1): Promise<WorkerChild> {
  const child = spawn(process.execPath, [bin, 'worker', '--redis', url, '--prefix', prefix, '--concurrency', String(concurrency)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as WorkerChild;
  child.output = [];
  defined(child.stderr, 'child.stderr').on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  await waitForLine(child, /listening on/);
  return child;
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    child.kill(signal);
  });
}
