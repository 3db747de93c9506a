/**
 * One writer per journal: `<journal>.lock` names the holder (PID, host, start), a second writer is
 * refused at once, a lock whose process is gone is taken over with a warning, a lock from another
 * machine is not, and the lock goes however the holder ends (close, return, exit, uncaught error,
 * an unhandled SIGINT/SIGTERM, or its own graceful signal handler).
 */
import { describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { JsonlFileStore, runStudy } from '../../index.ts';
import { journalLockHolder, lockPathOf } from '../../core/journal-lock.ts';
import { journalRecords, writeJournal } from '../helpers/journal.ts';
import { knownTable, tempDir, writeTabular } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');
const holdLock = join(root, 'test/fixtures/journals/hold-lock.ts');
const dir = tempDir('batchtune-lock-');
writeTabular(dir, knownTable());
const config = { seed: 5, budget: { limit: 30000 }, strategy: { type: 'random' }, trainer: { type: 'tabular', file: 'curves.json' } };

/** A process id that ran on this machine and is gone now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function writeLock(journal: string, holder: Record<string, unknown>): void {
  writeFileSync(lockPathOf(journal), JSON.stringify({ startedAt: '2026-01-01T00:00:00.000Z', token: 'abc', ...holder }));
}

describe('journal lock', () => {
  test('a second writer is refused at once, naming the journal, the holder PID and host; closing releases it', () => {
    const journal = join(tempDir(), 'j.jsonl');
    const first = new JsonlFileStore(journal, { lock: true });
    const holder = JSON.parse(readFileSync(lockPathOf(journal), 'utf8')) as { startedAt: string };
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => new JsonlFileStore(journal, { lock: true })).toThrow(
      `${journal}: in use by another batchtune search (PID ${process.pid} on ${hostname()}, since ${holder.startedAt}); wait for it to end, or use another --journal`,
    );
    expect(() => new JsonlFileStore(journal, { lock: true })).toThrow(expect.objectContaining({ code: 'JOURNAL_LOCKED' }));
    first.close();
    expect(existsSync(lockPathOf(journal))).toBe(false);
    new JsonlFileStore(journal, { lock: true }).close();
  });

  test('a run on a journal another run holds is refused before it resolves its config or trains', async () => {
    const journal = join(tempDir(), 'j.jsonl');
    const holder = new JsonlFileStore(journal, { lock: true });
    await expect(runStudy({ budget: 'not even a config' }, { baseDir: dir, journal })).rejects.toThrow(
      /in use by another batchtune search \(PID \d+/,
    );
    holder.close();
    await runStudy(config, { baseDir: dir, journal });
    expect(existsSync(lockPathOf(journal))).toBe(false);
  });

  test('a stale lock (this machine, the process is gone) is taken over with a warning', () => {
    const journal = join(tempDir(), 'j.jsonl');
    const pid = deadPid();
    writeLock(journal, { pid, host: hostname() });
    const warnings: string[] = [];
    const store = new JsonlFileStore(journal, { lock: true, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      `${journal}: took over the lock of PID ${pid} on ${hostname()} (since 2026-01-01T00:00:00.000Z), which is no longer running`,
    ]);
    expect(journalLockHolder(journal)).toMatchObject({ pid: process.pid, state: 'running' });
    store.close();
  });

  test('a lock from before a reboot of this machine is stale even if its PID is in use now', () => {
    const journal = join(tempDir(), 'j.jsonl');
    const boot = existsSync('/proc/sys/kernel/random/boot_id');
    if (!boot) {
      console.log('skipped: no /proc/sys/kernel/random/boot_id on this system');
      return;
    }
    writeLock(journal, { pid: 1, host: hostname(), boot: 'a-boot-before-this-one' });
    const warnings: string[] = [];
    new JsonlFileStore(journal, { lock: true, warn: (m) => warnings.push(m) }).close();
    expect(warnings).toHaveLength(1);
  });

  test('a lock whose PID now names a process that started later is stale', () => {
    const journal = join(tempDir(), 'j.jsonl');
    if (!existsSync('/proc/1/stat')) {
      console.log('skipped: no /proc/<pid>/stat on this system');
      return;
    }
    // PID 1 runs, but it is not the process that took this lock (that one started at another tick).
    writeLock(journal, { pid: 1, host: hostname(), since: '123456789012' });
    const warnings: string[] = [];
    new JsonlFileStore(journal, { lock: true, warn: (m) => warnings.push(m) }).close();
    expect(warnings).toEqual([expect.stringContaining('took over the lock of PID 1 ')]);
  });

  test('a lock held by a live process of this machine is not taken over', () => {
    const journal = join(tempDir(), 'j.jsonl');
    writeLock(journal, { pid: 1, host: hostname() });
    expect(() => new JsonlFileStore(journal, { lock: true })).toThrow(/in use by another batchtune search \(PID 1 on /);
  });

  test('a lock from another machine is never taken over: the message says how to remove it', () => {
    const journal = join(tempDir(), 'j.jsonl');
    writeLock(journal, { pid: deadPid(), host: 'gpu-node-7' });
    expect(() => new JsonlFileStore(journal, { lock: true })).toThrow(
      new RegExp(
        `locked by a search on another machine \\(PID \\d+ on gpu-node-7, since .*\\); this machine cannot check it: if no search runs there any more, delete ${lockPathOf(journal)}$`,
      ),
    );
    expect((JSON.parse(readFileSync(lockPathOf(journal), 'utf8')) as { host: string }).host).toBe('gpu-node-7');
  });

  test('an unreadable lock is refused with the same advice', () => {
    const journal = join(tempDir(), 'j.jsonl');
    writeFileSync(lockPathOf(journal), '');
    expect(() => new JsonlFileStore(journal, { lock: true })).toThrow(
      `${journal}: locked (${lockPathOf(journal)} is unreadable); if no batchtune search uses this journal, delete ${lockPathOf(journal)}`,
    );
  });

  test('a store opened to read takes the lock at its first append, and refuses if another process wrote the journal since', () => {
    const journal = join(tempDir(), 'j.jsonl');
    const records = journalRecords(join(root, 'test/fixtures/journals/v2.jsonl')).slice(0, 3);
    writeJournal(journal, records.slice(0, 2));
    const reader = new JsonlFileStore(journal);
    writeJournal(journal, records);
    expect(() => {
      reader.append({ t: 'tell', trialId: 0, seg: 0 });
    }).toThrow(/changed since it was read \(\d+ bytes then, \d+ now\): another process wrote it/);
    expect(existsSync(lockPathOf(journal))).toBe(false);
  });

  test.concurrent.each([
    ['return', 0, undefined],
    ['exit', 3, undefined],
    ['throw', 1, undefined],
    ['wait', 130, 'SIGINT'],
    ['wait', 143, 'SIGTERM'],
    ['graceful', 0, 'SIGTERM'],
  ] as const)('the lock is released when its holder ends by %s (exit code %i, signal %s)', async (mode, code, signal) => {
    const journal = join(tempDir(), 'j.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', holdLock, journal, mode], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    await new Promise<void>((done) =>
      child.stdout.on('data', (chunk) => {
        if (String(chunk).includes('locked')) done();
      }),
    );
    if (signal) child.kill(signal);
    const exit = await new Promise<number | null>((done) =>
      child.on('exit', (c) => {
        done(c);
      }),
    );
    expect({ exit, stderr: mode === 'throw' ? '' : stderr }).toEqual({ exit: code, stderr: '' });
    expect(existsSync(lockPathOf(journal))).toBe(false);
    if (mode === 'graceful') expect(readFileSync(journal, 'utf8')).toContain('stopped by SIGTERM');
  });
});
