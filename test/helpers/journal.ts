import { readFileSync, writeFileSync } from 'node:fs';
import { JsonlFileStore, type JournalRecord } from '../../core/index.ts';
import { encodeLine } from '../../core/journal-lines.ts';
import { defined } from './defined.ts';

/** A journal's records, read and checked as batchtune reads them. */
export function journalRecords(path: string): JournalRecord[] {
  return new JsonlFileStore(path).read() as JournalRecord[];
}

/** How many reports a journal that a running search writes holds so far (0 before it exists). */
export function reportsSoFar(path: string): number {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"t":"report"')).length;
  } catch {
    return 0;
  }
}

/** The journal's lines, without the newline after the last. */
export function journalLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

/**
 * Writes records as a journal with valid checksums (as another writer, or another strategy, would
 * have written them); records under a header of version 1 or 2 are written as those versions did,
 * without checksums, unless `checksums` says otherwise.
 */
export function writeJournal(path: string, records: readonly object[], options: { checksums?: boolean } = {}): string {
  const header = records[0] as { t?: string; version?: number } | undefined;
  const checksums = options.checksums ?? !(header?.t === 'header' && defined(header.version, 'header.version') < 3);
  let crc: number | undefined = checksums ? 0 : undefined;
  const lines = records.map((record) => {
    const encoded = encodeLine(record, crc);
    crc = encoded.crc;
    return `${encoded.line}\n`;
  });
  const text = lines.join('');
  writeFileSync(path, text);
  return text;
}
