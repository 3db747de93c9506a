import { crc32 } from './crc32.ts';
import { BatchtuneError } from './errors.ts';
import { journalRecordProblem } from './journal-schema.ts';

/**
 * The bytes of a journal file. Each record is one line of JSON. From journal version 3 every line ends
 * with a checksum field, `"c":"<8 hex>"`: the CRC-32 of every record body so far (this line's JSON
 * without the field, after all earlier ones), so a changed, lost, repeated or reordered line breaks the
 * chain at that line. Journals of versions 1 and 2 have no checksums and are still read.
 *
 * A crash mid-write can only leave a torn tail: bytes after the last newline. They never counted, so
 * they are dropped; anything before the last newline must be intact.
 */
const CHECKSUM_FIELD = 'c';
/** The journal version whose lines carry checksums. */
const CHECKSUMS_SINCE = 3;
const SUFFIX_LENGTH = ',"c":"00000000"}'.length;
const NEWLINE = 0x0a;

/** One record as a line (no newline), chained to the running checksum before it. */
export function encodeLine(record: object, previous: number | undefined): { line: string; crc?: number } {
  const body = JSON.stringify(record);
  if (previous === undefined) return { line: body };
  if (CHECKSUM_FIELD in record) throw new Error(`journal records cannot have a "${CHECKSUM_FIELD}" field: it holds the checksum`);
  const crc = crc32(Buffer.from(body), previous);
  return { line: `${body.slice(0, -1)},"c":"${hex(crc)}"}`, crc };
}

export interface ParsedJournal {
  records: object[];
  /** The running checksum after the last record, when the journal has checksums. */
  crc?: number;
  /** Lines holding records (the last record's line number). */
  lines: number;
  /** Bytes up to and including the last intact line: where the next record goes. */
  intactBytes: number;
  /** A last line cut short by a crash, dropped. */
  torn?: { line: number; bytes: number };
}

/** Reads a journal's bytes: every record checked (checksum, JSON, schema, one header first); `path` names it in errors. */
export function parseJournal(bytes: Buffer, path: string): ParsedJournal {
  const end = bytes.lastIndexOf(NEWLINE) + 1;
  const lines = splitLines(bytes.subarray(0, end));
  const parsed: ParsedJournal = { records: [], lines: 0, intactBytes: end };
  if (end < bytes.length) parsed.torn = { line: lines.length + 1, bytes: bytes.length - end };
  const first = lines[0];
  const checksummed = first !== undefined && checksumOf(first) !== undefined;
  let crc = 0;
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    const fail = (problem: string) => damaged(path, number, problem);
    if (!checksummed && isBlank(line)) continue;
    let body = line;
    if (checksummed) {
      const found = checksumOf(line);
      if (found === undefined) fail(isJson(line) ? 'no checksum ("c" field) in a journal that has them' : 'not a JSON record');
      body = Buffer.concat([line.subarray(0, line.length - SUFFIX_LENGTH), Buffer.from('}')]);
      crc = crc32(body, crc);
      if (crc !== found) fail('checksum mismatch (the line changed after it was written, or a line before it was lost)');
    }
    let record: unknown;
    try {
      record = JSON.parse(body.toString('utf8'));
    } catch {
      // A version 1 or 2 journal cannot tell a torn last line that got its newline from damage: it is dropped, as it always was.
      if (!checksummed && number === lines.length) {
        parsed.torn = { line: number, bytes: bytes.length - parsed.intactBytes + line.length + 1 };
        parsed.intactBytes -= line.length + 1;
        break;
      }
      fail('not a JSON record');
    }
    const problem =
      journalRecordProblem(record, parsed.records.length) ?? versionProblem(record as { version?: number }, number, checksummed);
    if (problem) fail(problem);
    parsed.records.push(record as object);
    parsed.lines = number;
  }
  if (checksummed) parsed.crc = crc;
  return parsed;
}

/** Checksums came with version 3: a header's version says whether its journal's lines carry them. */
function versionProblem(header: { version?: number }, line: number, checksummed: boolean): string | undefined {
  if (line !== 1 || header.version === undefined) return undefined;
  if (!checksummed && header.version >= CHECKSUMS_SINCE) return `a version ${header.version} header without a checksum ("c" field)`;
  if (checksummed && header.version < CHECKSUMS_SINCE)
    return `a version ${header.version} header with a checksum: versions before ${CHECKSUMS_SINCE} have none`;
  return undefined;
}

/** One line: where, what, and how to go on (the lines before the damage still resume). */
function damaged(path: string, line: number, problem: string): never {
  const fix =
    line > 1
      ? `keep its first ${line - 1} lines (head -n ${line - 1}) and --resume to redo the rest, or start a new --journal`
      : 'start a new --journal';
  throw new BatchtuneError('JOURNAL_CORRUPT', `${path}:${line}: damaged journal: ${problem}; ${fix}`);
}

/** The checksum a line ends with, if it ends with one. */
function checksumOf(line: Buffer): number | undefined {
  if (line.length < SUFFIX_LENGTH + 1) return undefined;
  const suffix = line.subarray(line.length - SUFFIX_LENGTH).toString('latin1');
  const match = /^,"c":"([0-9a-f]{8})"\}$/.exec(suffix);
  const hex = match?.[1];
  return hex === undefined ? undefined : Number.parseInt(hex, 16);
}

function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, start)) {
    lines.push(bytes.subarray(start, i));
    start = i + 1;
  }
  return lines;
}

function isBlank(line: Buffer): boolean {
  return line.toString('utf8').trim() === '';
}

function isJson(line: Buffer): boolean {
  try {
    JSON.parse(line.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function hex(crc: number): string {
  return crc.toString(16).padStart(8, '0');
}
