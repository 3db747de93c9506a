import { existsSync } from 'node:fs';
import { BatchtuneError, JsonlFileStore, viewJournal, type JournalRecord, type JournalView } from '../core/index.ts';
import { journalLockHolder, type LockHolder } from '../core/journal-lock.ts';
import { studyOf, type Study } from '../analysis/judging.ts';

/** Where a journal file stops: its last record's line, a torn line after it, and a search that holds it now. */
interface JournalFileExtent {
  lines: number;
  torn?: { line: number; bytes: number };
  /** The process that holds the journal's lock (a search writing it now), unless it is known to be gone; `unknown`: on another machine. */
  writer?: Pick<LockHolder, 'pid' | 'host' | 'startedAt'> & { state: 'running' | 'unknown' };
}

type HeadedView = JournalView & { header: NonNullable<JournalView['header']>; file: JournalFileExtent };

/** Reads a journal file's records (checked: see core/journal-lines.ts) and where they stop; a missing file is a one-line error. */
function readJournalRecords(path: string): { records: JournalRecord[]; file: JournalFileExtent } {
  if (!existsSync(path)) throw new BatchtuneError('USAGE', `${path}: journal not found`);
  const store = new JsonlFileStore(path);
  const holder = journalLockHolder(path);
  const writer =
    holder?.token && holder.state !== 'gone'
      ? { writer: { pid: holder.pid, host: holder.host, startedAt: holder.startedAt, state: holder.state } }
      : {};
  return { records: store.read() as JournalRecord[], file: { ...store.extent, ...writer } };
}

/** Reads a journal file into its trials; a missing file or one without a header is a one-line error. */
export function readJournalFile(path: string): HeadedView {
  const { records, file } = readJournalRecords(path);
  return headed(path, viewJournal(records), file);
}

/** Reads a journal file for analysis: its trials and how far each segment was meant to go. */
export function readStudyFile(path: string): Study & { view: HeadedView } {
  const view = readJournalFile(path);
  return studyOf(view) as Study & { view: HeadedView };
}

/**
 * One line on where an unfinished journal stops (undefined for a finished one): a search still writing
 * it, or the last record and the segments in flight when its search crashed or was killed.
 */
export function whereItStopped(view: HeadedView): string | undefined {
  if (view.summary) return undefined;
  const { file } = view;
  const last = view.last ? `last record at line ${file.lines} (${describeRecord(view.last)})` : 'no record after the header';
  const inFlight = view.openSegments.length
    ? `${view.openSegments.map((s) => `trial ${s.trialId} segment ${s.seg}`).join(', ')} in flight`
    : 'no segment in flight';
  const torn = file.torn ? `; a torn line ${file.torn.line} (${file.torn.bytes} bytes) is ignored` : '';
  const { writer } = file;
  if (writer?.state === 'running')
    return `running: PID ${writer.pid} on ${writer.host} is writing it (since ${writer.startedAt}); ${last}, ${inFlight}${torn}`;
  if (writer)
    return `locked by PID ${writer.pid} on ${writer.host} (since ${writer.startedAt}), which this machine cannot check; ${last}, ${inFlight}${torn}`;
  return `unfinished: ${last}, ${inFlight}${torn}; --resume continues it`;
}

function describeRecord(record: NonNullable<JournalView['last']>): string {
  const what = record.t.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  if (record.trialId === undefined) return what;
  return `${what} of trial ${record.trialId}${record.seg !== undefined ? ` segment ${record.seg}` : ''}`;
}

function headed(path: string, view: JournalView, file: JournalFileExtent): HeadedView {
  if (!view.header) throw new BatchtuneError('JOURNAL_CORRUPT', `${path}: no header record; not a batchtune journal`);
  return Object.assign(view, { file }) as HeadedView;
}
