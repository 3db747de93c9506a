import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStore, viewJournal, type JournalRecord } from '../../../../core/index.ts';
import type { ProcessOptions } from '../../../../plugins/trainers/process/options.ts';

export const root = fileURLToPath(new URL('../../../../', import.meta.url));
export const toy = join(root, 'test/fixtures/process/toy.py');

/** Debian's Python (where python3-torch and python3-numpy install), else the first python3 on the PATH. */
export const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Whether a Python module imports; for tests that skip, visibly, without it. */
export function pythonHas(module: string): boolean {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

export function tempDir(prefix = 'batchtune-process-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The trainer's options with its defaults, as ajv would fill them, and short timeouts for tests. */
export function processOptions(command: string[], overrides: Partial<ProcessOptions> = {}): ProcessOptions {
  return {
    command,
    env: {},
    inheritEnv: true,
    timeoutSeconds: 20,
    startTimeoutSeconds: 20,
    closeGraceSeconds: 1,
    describe: true,
    ...overrides,
  };
}

export function journalView(store: MemoryStore) {
  return viewJournal(store.read() as JournalRecord[]);
}

/** Process ids the toy script wrote, one per trial folder under logDir. */
export function trialPids(logDir: string): Map<string, number> {
  const pids = new Map<string, number>();
  if (!existsSync(logDir)) return pids;
  for (const name of readdirSync(logDir)) {
    const file = join(logDir, name, 'pid');
    if (existsSync(file)) pids.set(name, Number(readFileSync(file, 'utf8')));
  }
  return pids;
}

/** True while a process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function waitUntil(condition: () => boolean, ms: number, step = 25): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, step));
  }
  return condition();
}
