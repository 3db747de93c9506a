import { existsSync } from 'node:fs';
import { BatchtuneError, JsonlFileStore, viewJournal, type JournalRecord, type JournalView } from '../core/index.ts';
import { studyOf, type Study } from '../analysis/judging.ts';

type HeadedView = JournalView & { header: NonNullable<JournalView['header']> };

/** Reads a journal file's records; a missing file is a one-line error. */
export function readJournalRecords(path: string): JournalRecord[] {
  if (!existsSync(path)) throw new BatchtuneError('USAGE', `${path}: journal not found`);
  return new JsonlFileStore(path).read() as JournalRecord[];
}

/** Reads a journal file into its trials; a missing file or one without a header is a one-line error. */
export function readJournalFile(path: string): HeadedView {
  return headed(path, viewJournal(readJournalRecords(path)));
}

/** Reads a journal file for analysis: its trials and how far each segment was meant to go. */
export function readStudyFile(path: string): Study & { view: HeadedView } {
  const records = readJournalRecords(path);
  return studyOf(headed(path, viewJournal(records))) as Study & { view: HeadedView };
}

function headed(path: string, view: JournalView): HeadedView {
  if (!view.header) throw new BatchtuneError('JOURNAL_CORRUPT', `${path}: no header record; not a batchtune journal`);
  return view as HeadedView;
}
