/**
 * A long-lived Python process that a benchmark sends JSON-line commands to and reads one JSON line
 * back from, so its runs can alternate with the Node runs under the same machine load. Python is
 * Debian's (`/usr/bin/python3`, where apt installs python3-torch and python3-optuna) unless
 * BENCH_PYTHON names another.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

/** Why a Python module cannot be used (a visible line for the results), or undefined when it can. */
export function missingPython(module: string): string | undefined {
  const run = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (run.error) return `${PYTHON} not found (${run.error.message})`;
  if (run.status !== 0) return `${PYTHON} cannot import ${module} (install Debian's python3-${module})`;
  return undefined;
}

export class PythonWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: Array<(line: string) => void> = [];
  /** Lines printed before anyone asked for them. */
  private readonly unread: string[] = [];
  private stderr = '';
  private exited?: string;

  /** `command` runs `script` (Python by default; the trainer benchmark also runs Node workers this way). */
  constructor(script: string, args: string[], env: Record<string, string> = {}, command: readonly string[] = [PYTHON]) {
    const [program = PYTHON, ...flags] = command;
    this.child = spawn(program, [...flags, script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stderr.on('data', (chunk) => (this.stderr += String(chunk)));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => {
      const waiting = this.pending.shift();
      if (waiting) waiting(line);
      else this.unread.push(line);
    });
    this.child.on('exit', (code) => {
      this.exited = JSON.stringify({ error: `${program} exited with ${code}: ${this.stderr.trim().split('\n').pop()}` });
      for (const resolve of this.pending.splice(0)) resolve(this.exited);
    });
  }

  /** The next line the process prints, parsed (its first line is a ready message). */
  next<T>(): Promise<T> {
    const line = this.unread.shift();
    const known = line ?? this.exited;
    const arrived = known !== undefined ? Promise.resolve(known) : new Promise<string>((resolve) => this.pending.push(resolve));
    return arrived.then((line) => {
      const value = JSON.parse(line) as T & { error?: string };
      if (value.error) throw new Error(value.error);
      return value;
    });
  }

  ask<T>(command: Record<string, unknown>): Promise<T> {
    const answer = this.next<T>();
    this.child.stdin.write(JSON.stringify(command) + '\n');
    return answer;
  }

  close(): void {
    this.child.stdin.end();
  }
}
