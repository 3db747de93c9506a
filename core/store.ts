import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { BatchtuneError } from './errors.ts';
import { acquireJournalLock, type JournalLock } from './journal-lock.ts';
import { encodeLine, parseJournal, type ParsedJournal } from './journal-lines.ts';

/**
 * Where a study's journal lives. `append` hands the record to the operating system before it
 * returns, so it survives the process being killed; `sync` makes what was appended survive a
 * machine crash too (the engine syncs at the end of every segment). A store may batch syncs that
 * come close together (group commit) as long as `close` leaves everything synced.
 */
export interface Store {
  append(record: object): void;
  sync(): void;
  /** Every complete record, in order; a torn last line (a crash mid-write) is dropped. */
  read(): object[];
  close(): void;
}

export class MemoryStore implements Store {
  readonly records: object[] = [];
  append(record: object): void {
    this.records.push(structuredClone(record));
  }
  read(): object[] {
    return structuredClone(this.records);
  }
  sync(): void {}
  close(): void {}
}

export interface JsonlFileStoreOptions {
  /**
   * Take the journal's lock before reading it (a writer); without it, the lock is taken at the first
   * append, and refused if the file changed since it was read.
   */
  lock?: boolean;
  /** Hears of a stale lock taken over; by default a line on stderr. */
  warn?: (message: string) => void;
  /**
   * Group commit: at most one fsync per this many milliseconds (default 50). A sync asked for sooner
   * is done when the interval ends, and `close` does any still owed, so a killed process loses nothing
   * and a machine crash at most the last interval's records. Segments of no-op trials end thousands of
   * times a second, and an fsync per segment was most of such a search's time; 0 syncs every time.
   */
  syncIntervalMs?: number;
}

/**
 * A JSON-lines file, the embedded default: one record per line, each checked when read (checksum,
 * schema: see journal-lines.ts) and chained to the lines before it when written. On the first append,
 * a torn last line is cut off so new records follow a clean line. One process writes a journal at a
 * time: a writer holds `<journal>.lock` until it closes the store or exits.
 */
export class JsonlFileStore implements Store {
  private fd: number | undefined;
  private lock: JournalLock | undefined;
  private readonly parsed: ParsedJournal;
  /** The size the file had when it was read. */
  private readonly readBytes: number;
  /** The running checksum; undefined for a journal of version 1 or 2, which is continued without checksums. */
  private crc: number | undefined;
  /** When the last fsync ran (performance.now()), and the timer of one owed. */
  private lastSync = -Infinity;
  private owedSync: NodeJS.Timeout | undefined;
  private fsyncs = 0;

  constructor(
    readonly path: string,
    private readonly options: JsonlFileStoreOptions = {},
  ) {
    if (options.lock) this.lock = acquireJournalLock(path, this.warn);
    try {
      const bytes = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
      this.readBytes = bytes.length;
      this.parsed = parseJournal(bytes, path);
    } catch (error) {
      this.close();
      throw error;
    }
    this.crc = this.parsed.records.length === 0 ? 0 : this.parsed.crc;
  }

  append(record: object): void {
    const fd = this.fd ?? this.openForAppend();
    const { line, crc } = encodeLine(record, this.crc);
    this.crc = crc;
    writeSync(fd, `${line}\n`);
  }

  sync(): void {
    if (this.fd === undefined) return;
    const wait = this.lastSync + (this.options.syncIntervalMs ?? 50) - performance.now();
    // Checked on every call, not only by the timer: a loop that never yields to timers still syncs on time.
    if (wait <= 0) this.syncNow();
    // unref: an owed sync never keeps the process alive; close() does it if the process ends first.
    else
      this.owedSync ??= setTimeout(() => {
        this.syncNow();
      }, wait).unref();
  }

  private syncNow(): void {
    clearTimeout(this.owedSync);
    this.owedSync = undefined;
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    this.fsyncs += 1;
    this.lastSync = performance.now();
  }

  /** fsyncs done so far: what group commit saves is visible, and testable. */
  get syncs(): number {
    return this.fsyncs;
  }

  read(): object[] {
    return this.parsed.records;
  }

  /** Where the records end: the last record's line, and a torn last line that was dropped. */
  get extent(): { lines: number; torn?: { line: number; bytes: number } } {
    return { lines: this.parsed.lines, ...(this.parsed.torn ? { torn: this.parsed.torn } : {}) };
  }

  /** Releases the file and the journal's lock. */
  close(): void {
    if (this.owedSync) this.syncNow();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.lock?.release();
    this.lock = undefined;
  }

  private openForAppend(): number {
    if (!this.lock) {
      this.lock = acquireJournalLock(this.path, this.warn);
      const size = existsSync(this.path) ? statSync(this.path).size : 0;
      if (size !== this.readBytes) {
        this.close();
        throw new BatchtuneError(
          'JOURNAL_LOCKED',
          `${this.path}: changed since it was read (${this.readBytes} bytes then, ${size} now): another process wrote it`,
        );
      }
    }
    // A torn last line never counted: new records start on a clean line.
    if (this.readBytes > this.parsed.intactBytes) truncateSync(this.path, this.parsed.intactBytes);
    this.fd = openSync(this.path, 'a');
    return this.fd;
  }

  private readonly warn = (message: string): void => {
    if (this.options.warn) this.options.warn(message);
    else process.stderr.write(`batchtune: warning: ${message}\n`);
  };
}
