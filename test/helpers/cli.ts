import { jest } from '@jest/globals';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';
import { main } from '../../bin/cli.ts';

/** The installed command, as `npx batchtune` starts it: the one place that says where the bin is. */
export const binPath = join(resolve(import.meta.dirname, '../..'), 'bin/batchtune.js');

export interface BinOptions {
  cwd?: string;
  /** Added to the environment (CI=true always: plain progress lines, no bars). */
  env?: Record<string, string>;
  timeout?: number;
  /** Starts it in a process group of its own, so that `process.kill(-pid, signal)` reaches it as a terminal's Ctrl-C does. */
  detached?: boolean;
  /** Options for node itself, before the bin (`--import <hook>`). */
  nodeArgs?: string[];
}

export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function environment(options: BinOptions): NodeJS.ProcessEnv {
  return { ...process.env, CI: 'true', ...options.env };
}

/** Runs the real CLI in a child process, as a user types it, and waits for it. */
export function runBin(args: string[], options: BinOptions = {}): BinResult {
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), binPath, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: environment(options),
    timeout: options.timeout ?? 120_000,
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the real CLI in a child process (to signal it, or to run several at once). */
export function spawnBin(args: string[], options: BinOptions = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), binPath, ...args], {
    cwd: options.cwd,
    env: environment(options),
    stdio: 'pipe',
    detached: options.detached ?? false,
  });
}

/** What a child started by spawnBin printed, and how it ended. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<BinResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      done({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the real CLI in a child process without blocking, so that several run at once. */
export function runBinAsync(args: string[], options: BinOptions = {}): Promise<BinResult> {
  const child = spawnBin(args, options);
  child.stdin.end();
  return finished(child);
}

/** Runs the CLI in this process, as a user types it, and returns its exit code and what it printed. */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c) => (err.push(String(c)), true));
  try {
    return { code: await main(args), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
