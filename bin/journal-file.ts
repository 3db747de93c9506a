import { existsSync } from 'node:fs';
import { BatchtuneError, JsonlFileStore, viewJournal, type JournalRecord, type JournalView } from '../core/index.ts';

/** Reads a journal file into its trials; a missing file or one without a header is a one-line error. */
export function readJournalFile(path: string): JournalView & { header: NonNullable<JournalView['header']> } {
  if (!existsSync(path)) throw new BatchtuneError('USAGE', `${path}: journal not found`);
  const view = viewJournal(new JsonlFileStore(path).read() as JournalRecord[]);
  if (!view.header) throw new BatchtuneError('JOURNAL_CORRUPT', `${path}: no header record; not a batchtune journal`);
  return view as JournalView & { header: NonNullable<JournalView['header']> };
}
