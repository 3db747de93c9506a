import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { BatchtuneError } from './errors.ts';

/**
 * Where a study's journal lives. `append` hands the record to the operating system before it
 * returns, so it survives the process being killed; `sync` makes what was appended survive a
 * machine crash too (the engine syncs at the end of every segment).
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

/**
 * A JSON-lines file, the embedded default. Each record is one line, written before the engine acts
 * on it. On open, a torn last line is cut off so new records follow a clean line.
 */
export class JsonlFileStore implements Store {
  private fd: number | undefined;
  private readonly records: object[];

  constructor(readonly path: string) {
    this.records = existsSync(path) ? parseJournal(path) : [];
  }

  append(record: object): void {
    if (this.fd === undefined) {
      this.repairTail();
      this.fd = openSync(this.path, 'a');
    }
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  read(): object[] {
    return this.records;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private repairTail(): void {
    if (!existsSync(this.path)) return;
    const text = readFileSync(this.path, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) truncateSync(this.path, Buffer.byteLength(text.slice(0, end)));
  }
}

function parseJournal(path: string): object[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: object[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      const isLast = lines.slice(index + 1).every((rest) => rest.trim() === '');
      if (isLast) break; // torn by a crash mid-write: the record never counted
      throw new BatchtuneError('JOURNAL_CORRUPT', `${path}:${index + 1}: not a JSON record; the journal is damaged before its last line`);
    }
  }
  return records;
}
