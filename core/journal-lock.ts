import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { BatchtuneError, errorMessage } from './errors.ts';

/**
 * One writer per journal. The writer holds `<journal>.lock`, a small JSON file naming its process, host
 * and start time, from before it reads the journal to write it until it closes it or exits. The file
 * appears atomically with its contents (written aside, then hard-linked into place, which fails when a
 * lock exists), so a second writer always finds a complete holder to name.
 *
 * A lock whose holder ran on this machine and is gone (no such process, or the machine rebooted since)
 * is stale and taken over with a warning. A lock from another machine is never taken over: this machine
 * cannot tell whether that search still runs, so the user is told how to remove it.
 */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** The Linux boot id: a process id from before a reboot names no process of this boot. */
  boot?: string;
  /** When the process started (Linux, clock ticks since boot): a process id used again later names another process. */
  since?: string;
  /** Tells this holder's lock from a later one by the same process id. */
  token: string;
}

export function lockPathOf(journal: string): string {
  return `${journal}.lock`;
}

/** Locks held by this process, released when it exits. */
const held = new Set<JournalLock>();

export class JournalLock {
  private released = false;

  constructor(
    readonly journal: string,
    readonly holder: LockHolder,
  ) {}

  get path(): string {
    return lockPathOf(this.journal);
  }

  /** Removes the lock file, if it is still this holder's (it may have been removed or taken over). */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    if (held.size === 0) removeExitHooks();
    if (readHolder(this.path)?.token === this.holder.token) tryUnlink(this.path);
  }
}

/**
 * Takes the journal's lock or refuses at once (`JOURNAL_LOCKED`) naming who holds it. `warn` hears of a
 * stale lock taken over.
 */
export function acquireJournalLock(journal: string, warn: (message: string) => void): JournalLock {
  const path = lockPathOf(journal);
  const since = processStart(process.pid);
  const mine: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...bootId(),
    ...(since ? { since } : {}),
    token: randomBytes(8).toString('hex'),
  };
  if (!tryCreate(path, mine)) {
    const holder = readHolder(path);
    if (holder === undefined) {
      // It went away between our attempt and the read: the holder released it.
      if (!tryCreate(path, mine)) throw locked(journal, readHolder(path));
    } else if (holderState(holder) !== 'gone') {
      throw locked(journal, holder);
    } else {
      takeOver(journal, holder, mine);
      warn(`${journal}: took over the lock of PID ${holder.pid} on ${holder.host} (since ${holder.startedAt}), which is no longer running`);
    }
  }
  const lock = new JournalLock(journal, mine);
  if (held.size === 0) installExitHooks();
  held.add(lock);
  return lock;
}

/** Who holds a journal's lock now, if anyone, and whether that process still runs (as far as this machine can tell). */
export function journalLockHolder(journal: string): (LockHolder & { state: 'running' | 'gone' | 'unknown' }) | undefined {
  const holder = readHolder(lockPathOf(journal));
  return holder && { ...holder, state: holderState(holder) };
}

function holderState(holder: LockHolder): 'running' | 'gone' | 'unknown' {
  if (holder.host !== hostname()) return 'unknown';
  const boot = bootId().boot;
  if (holder.boot && boot && holder.boot !== boot) return 'gone';
  if ([...held].some((lock) => lock.holder.token === holder.token)) return 'running';
  const since = holder.since && processStart(holder.pid);
  if (since && since !== holder.since) return 'gone';
  try {
    process.kill(holder.pid, 0);
    return 'running';
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'running';
  }
}

function locked(journal: string, holder: LockHolder | undefined): BatchtuneError {
  const path = lockPathOf(journal);
  if (!holder?.token)
    return new BatchtuneError(
      'JOURNAL_LOCKED',
      `${journal}: locked (${path} is unreadable); if no batchtune search uses this journal, delete ${path}`,
    );
  const who = `PID ${holder.pid} on ${holder.host}, since ${holder.startedAt}`;
  if (holder.host !== hostname()) {
    return new BatchtuneError(
      'JOURNAL_LOCKED',
      `${journal}: locked by a search on another machine (${who}); this machine cannot check it: if no search runs there any more, delete ${path}`,
    );
  }
  return new BatchtuneError(
    'JOURNAL_LOCKED',
    `${journal}: in use by another batchtune search (${who}); wait for it to end, or use another --journal`,
  );
}

/**
 * Replaces a stale lock. Two processes may find the same stale lock at once: a short-lived guard file
 * lets one of them replace it; the other then finds the new lock and is refused.
 */
function takeOver(journal: string, stale: LockHolder, mine: LockHolder): void {
  const path = lockPathOf(journal);
  const guard = `${path}.takeover`;
  if (!tryCreate(guard, mine)) {
    if (!removeIfOld(guard)) throw locked(journal, readHolder(path) ?? stale);
    if (!tryCreate(guard, mine)) throw locked(journal, readHolder(path) ?? stale);
  }
  try {
    if (readHolder(path)?.token === stale.token) tryUnlink(path);
    if (!tryCreate(path, mine)) throw locked(journal, readHolder(path));
  } finally {
    tryUnlink(guard);
  }
}

/** Creates `path` holding `holder`, atomically; false when it exists. */
function tryCreate(path: string, holder: LockHolder): boolean {
  const text = `${JSON.stringify(holder)}\n`;
  const aside = `${path}.${holder.pid}.${holder.token}.tmp`;
  try {
    writeFileSync(aside, text);
    linkSync(aside, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EXDEV') return createExclusive(path, text);
    throw new BatchtuneError('JOURNAL_LOCKED', `${path}: cannot create the journal's lock: ${errorMessage(error)}`, { cause: error });
  } finally {
    tryUnlink(aside);
  }
}

/** For file systems without hard links: `open(..., 'wx')`, then the contents. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (typeof holder.pid === 'number' && typeof holder.host === 'string' && typeof holder.token === 'string') return holder;
  } catch {
    // fall through: an unreadable lock is reported as such
  }
  return { pid: Number.NaN, host: '', startedAt: '', token: '' };
}

/** A takeover guard left by a process that died mid-takeover (it lives for milliseconds). */
function removeIfOld(path: string): boolean {
  try {
    if (Date.now() - statSync(path).mtimeMs < 10_000) return false;
  } catch {
    return true;
  }
  tryUnlink(path);
  return true;
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Field 22 of /proc/<pid>/stat (the process's start, in clock ticks since boot); undefined where there is no /proc or no such process. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let cachedBoot: { boot?: string } | undefined;
function bootId(): { boot?: string } {
  if (!cachedBoot) {
    try {
      cachedBoot = { boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() };
    } catch {
      cachedBoot = {};
    }
  }
  return cachedBoot;
}

/**
 * Locks go when the process exits, however it exits: `exit` runs on a normal end and on process.exit();
 * a SIGINT, SIGTERM or SIGHUP that nothing else in the process handles would kill it without `exit`,
 * so then the locks are released and the process exits as the signal would have it (128 + its number).
 * When something else handles the signal (a graceful stop), it owns the exit and `exit` releases them.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function releaseAll(): void {
  for (const lock of [...held]) lock.release();
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  releaseAll();
  process.exit(128 + constants.signals[signal]);
}

function installExitHooks(): void {
  process.on('exit', releaseAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function removeExitHooks(): void {
  process.off('exit', releaseAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
