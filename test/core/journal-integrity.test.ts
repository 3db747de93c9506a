/**
 * What a journal file must be to be read: every line intact (a chained CRC-32 since version 3), every
 * record of a known type and shape (a JSON Schema per record type), one header first. Damage is refused
 * with the line number; journals of versions 1 and 2 (no checksums) are still read and resumed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JsonlFileStore, MemoryStore, runStudy, viewJournal, type JournalRecord, type SearchSummary } from '../../index.ts';
import { recordProblem } from '../../core/journal-schema.ts';
import { journalLines, journalRecords, writeJournal } from '../helpers/journal.ts';
import { tempDir } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';
import { deleteAt, setAt } from '../helpers/json-path.ts';

const fixtures = resolve(import.meta.dirname, '../fixtures/journals');
const config = JSON.parse(readFileSync(join(fixtures, 'successive-halving.json'), 'utf8')) as unknown;
const run = (journal: string | MemoryStore, resume = false) => runStudy(config, { baseDir: fixtures, journal, resume });
const comparable = (s: SearchSummary) => ({ ...s, elapsedSeconds: Math.round(s.elapsedSeconds * 1e6) });

let journal: string;
let summary: SearchSummary;
beforeAll(async () => {
  journal = join(tempDir(), 'sh.jsonl');
  summary = await run(journal);
});

/**
 * A copy of the journal with one record changed and every checksum valid: well-formed damage only a
 * schema catches. As version 2 (no checksums), it is how an older journal would hold the same damage.
 */
function withRecord(index: number, change: (record: unknown) => void, version = 3): string {
  const records = journalRecords(journal);
  change(at(records, index));
  (records[0] as { version: number }).version = version;
  const path = join(tempDir(), 'edited.jsonl');
  writeJournal(path, records);
  return path;
}

/** Sets (or, with undefined, deletes) the field at a dotted path of a record. */
function set(path: string, value: unknown): (record: unknown) => void {
  return (record) => {
    const keys = path.split('.');
    if (value === undefined) deleteAt(record, keys);
    else setAt(record, keys, value);
  };
}

function lineOf(t: JournalRecord['t']): number {
  return journalRecords(journal).findIndex((r) => r.t === t);
}

describe('journal records are checked against their schema', () => {
  const wrong: Array<[string, JournalRecord['t'], (record: unknown) => void, string]> = [
    [
      'a mistyped record type',
      'report',
      set('t', 'rep0rt'),
      'unknown record type "rep0rt" (did you mean "report"?); known: header, trainer, decision',
    ],
    ['a report without metrics', 'report', set('report.metrics', undefined), 'report record: report.metrics: is required'],
    [
      'a non-numeric progress',
      'report',
      set('report.progress.examples', '5000'),
      'report record: report.progress.examples: must be number (got "5000")',
    ],
    [
      'a NaN progress (JSON writes null)',
      'report',
      set('report.progress.steps', null),
      'report record: report.progress.steps: must be number (got null)',
    ],
    [
      'a non-numeric metric',
      'report',
      set('report.metrics.val_acc', 'high'),
      'report record: report.metrics.val_acc: must be number or null (got "high")',
    ],
    [
      'a decision of no known kind',
      'decision',
      set('decision.kind', 'restart'),
      'decision record: decision.kind: must be one of "start", "continue", "stop", "wait", "done" (got "restart")',
    ],
    ['a start without params', 'decision', set('decision.params', undefined), 'decision record: decision.params: is required'],
    ['a trial end in no known state', 'trialEnd', set('state', 'finished'), 'trialEnd record: state: must be one of "pending"'],
    ['an unknown field on a record', 'segmentEnd', set('extra', 1), 'segmentEnd record: extra: unknown key'],
    ['a header without a config hash', 'header', set('configHash', undefined), 'header record: configHash: is required'],
  ];
  test.each(wrong)('%s is refused with its line number', (_what, type, change, message) => {
    const index = lineOf(type);
    // Version 2 journals have no checksums: the schema is what stands between them and a silently different result.
    for (const version of [3, 2]) {
      const path = withRecord(index, change, version);
      expect(() => new JsonlFileStore(path)).toThrow(`${path}:${index + 1}: damaged journal: ${message}`);
    }
  });

  test('a refused journal is refused by resume, show and report alike, and the lines before the damage still resume', async () => {
    const index = journalRecords(journal).findIndex((r, i) => i > 60 && r.t === 'report');
    const path = withRecord(index, set('report.metrics', undefined));
    await expect(run(path, true)).rejects.toThrow(`${path}:${index + 1}: damaged journal:`);
    // The advice in the message: keep the lines before the damage and resume.
    writeFileSync(path, `${journalLines(path).slice(0, index).join('\n')}\n`);
    expect(comparable(await run(path, true))).toEqual(comparable(summary));
  });

  test('every record of real searches (every strategy, failures, placements) passes its schema', () => {
    for (const file of ['v1.jsonl', 'v2.jsonl'])
      for (const record of journalRecords(join(fixtures, file))) expect(recordProblem(record)).toBeUndefined();
    for (const record of journalRecords(journal)) expect(recordProblem(record)).toBeUndefined();
  });

  test("a store of the user's is checked too, naming the record", async () => {
    const store = new MemoryStore();
    store.records.push(...journalRecords(journal).slice(0, 5));
    setAt(store.records, [3, 't'], 'decisoin');
    await expect(run(store, true)).rejects.toThrow('(store): record 4: unknown record type "decisoin" (did you mean "decision"?)');
  });
});

describe('journal structure', () => {
  test('a second header (two searches wrote the file) is refused', () => {
    const records = journalRecords(journal);
    const path = join(tempDir(), 'two.jsonl');
    writeJournal(path, [...records.slice(0, 10), at(records, 0), ...records.slice(10, 20)]);
    expect(() => new JsonlFileStore(path)).toThrow(`${path}:11: damaged journal: a second header: two searches wrote this journal`);
  });

  test('a journal that does not start with a header is refused', () => {
    const path = join(tempDir(), 'headless.jsonl');
    writeJournal(path, journalRecords(journal).slice(1, 5));
    expect(() => new JsonlFileStore(path)).toThrow(
      `${path}:1: damaged journal: the first record is a trainer record, not a header; not a batchtune journal; start a new --journal`,
    );
  });

  test('a version 3 header without checksums, or checksums under a version 2 header, is refused', () => {
    const records = journalRecords(journal);
    const plain = join(tempDir(), 'plain.jsonl');
    writeJournal(plain, records, { checksums: false });
    expect(() => new JsonlFileStore(plain)).toThrow(`${plain}:1: damaged journal: a version 3 header without a checksum ("c" field)`);
    const older = join(tempDir(), 'older.jsonl');
    writeJournal(older, [{ ...records[0], version: 2 }, ...records.slice(1)], { checksums: true });
    expect(() => new JsonlFileStore(older)).toThrow(
      `${older}:1: damaged journal: a version 2 header with a checksum: versions before 3 have none`,
    );
  });
});

describe('checksums', () => {
  test('every line carries the running CRC-32 of the records so far', () => {
    const lines = journalLines(journal);
    expect(lines.every((l) => /,"c":"[0-9a-f]{8}"\}$/.test(l))).toBe(true);
    expect(new Set(lines.map((l) => l.slice(-10, -2))).size).toBe(lines.length);
  });

  test.each([
    [
      'a changed digit',
      (lines: string[], i: number) =>
        (lines[i] = at(lines, i).replace(/"val_acc":0\.(\d)/, (_m, d) => `"val_acc":0.${(Number(d) + 1) % 10}`)),
      0,
    ],
    ['a lost line', (lines: string[], i: number) => lines.splice(i, 1), 0],
    ['a repeated line', (lines: string[], i: number) => lines.splice(i, 0, at(lines, i)), 1],
    ['two lines swapped', (lines: string[], i: number) => lines.splice(i, 2, at(lines, i + 1), at(lines, i)), 0],
    ['a line from another journal', (lines: string[], i: number) => (lines[i] = at(journalLines(join(fixtures, 'v2.jsonl')), i)), 0],
  ])('%s is refused at its line', (_what, damage, offset) => {
    const lines = journalLines(journal);
    const index = lines.findIndex((l, i) => i > 30 && l.includes('"t":"report"'));
    damage(lines, index);
    const path = join(tempDir(), 'damaged.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n`);
    expect(() => new JsonlFileStore(path)).toThrow(
      new RegExp(`^${path}:${index + 1 + offset}: damaged journal: (checksum mismatch|no checksum)`),
    );
  });

  test('a torn last line is dropped, cut off on the next append, and the chain goes on from the last intact line', async () => {
    const lines = journalLines(journal);
    const path = join(tempDir(), 'torn.jsonl');
    writeFileSync(path, `${lines.slice(0, 50).join('\n')}\n${at(lines, 50).slice(0, 25)}`);
    const store = new JsonlFileStore(path);
    expect(store.extent).toEqual({ lines: 50, torn: { line: 51, bytes: 25 } });
    expect(comparable(await run(path, true))).toEqual(comparable(summary));
    expect(readFileSync(path, 'utf8')).toBe(readFileSync(journal, 'utf8'));
  });
});

describe('journals of versions 1 and 2 (no checksums)', () => {
  // Version 1 summaries had no segment traces: the trials, their states, values and progress, and the best, must agree.
  const outcome = (s: SearchSummary) => ({
    best: s.best,
    budget: s.budget,
    trials: s.trials.map((trial) => ({ ...trial, segments: undefined })),
  });

  test.each(['v1.jsonl', 'v2.jsonl'])('%s is read, and resumes from a cut to the summary it recorded', async (file) => {
    const records = journalRecords(join(fixtures, file));
    const recorded = defined(viewJournal(records).summary, 'viewJournal(records).summary');
    expect(recorded.best?.trialId).toBe(6);
    const path = join(tempDir(), file);
    const lines = journalLines(join(fixtures, file));
    writeFileSync(path, `${lines.slice(0, 70).join('\n')}\n${at(lines, 70).slice(0, 30)}`);
    expect(outcome(await run(path, true))).toEqual(outcome(recorded));
    // It is continued as it was written: without checksums, and still readable.
    const continued = journalLines(path);
    expect(continued.some((l) => l.includes('"c":'))).toBe(false);
    expect(viewJournal(journalRecords(path)).summary).toBeDefined();
  });

  test('a version 2 journal whose last complete line is not JSON drops it, as version 2 always did', () => {
    const path = join(tempDir(), 'v2-torn.jsonl');
    const lines = journalLines(join(fixtures, 'v2.jsonl'));
    writeFileSync(path, `${lines.slice(0, 40).join('\n')}\n${at(lines, 40).slice(0, 20)}\n`);
    expect(new JsonlFileStore(path).extent).toEqual({ lines: 40, torn: { line: 41, bytes: 21 } });
  });
});
