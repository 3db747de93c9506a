import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonlFileStore, MemoryStore, viewJournal, type JournalRecord } from '../../core/index.ts';
import { runStudy } from '../../index.ts';
import type { Params } from '../../core/params.ts';
import { journalRecords, writeJournal } from '../helpers/journal.ts';
import { knownTable, tempDir, writeTabular } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';

const fixtures = join(import.meta.dirname, '../fixtures/journals');

const dir = tempDir();
writeTabular(dir, knownTable());
const config = { seed: 5, budget: { limit: 30000 }, strategy: { type: 'random' }, trainer: { type: 'tabular', file: 'curves.json' } };

function comparable(summary: Awaited<ReturnType<typeof runStudy>>) {
  return { ...summary, elapsedSeconds: Math.round(summary.elapsedSeconds * 1e6) };
}

describe('journal', () => {
  test('every decision, report and trial end is recorded, header first', async () => {
    const store = new MemoryStore();
    const summary = await runStudy(config, { baseDir: dir, journal: store });
    const records = store.records as JournalRecord[];
    expect(records[0]).toMatchObject({ t: 'header', version: 3, seed: 5, strategy: 'random', trainer: 'tabular' });
    expect(records.filter((r) => r.t === 'decision')).toHaveLength(3);
    expect(records.filter((r) => r.t === 'report')).toHaveLength(15);
    expect(records.filter((r) => r.t === 'trialEnd')).toHaveLength(3);
    expect(records[records.length - 1]).toEqual({ t: 'searchEnd', summary });
    const view = viewJournal(records);
    expect(view.trials.map((t) => t.state)).toEqual(summary.trials.map((t) => t.state));
    expect(view.trials.map((t) => t.value)).toEqual(summary.trials.map((t) => t.value));
  });

  test.each([3, 8, 15, 21])('a journal cut after %i lines (plus a torn line) resumes to the same summary', async (keep) => {
    const full = join(tempDir(), 'full.jsonl');
    const expected = await runStudy(config, { baseDir: dir, journal: full });
    const lines = readFileSync(full, 'utf8').split('\n');
    const cut = join(tempDir(), 'cut.jsonl');
    writeFileSync(cut, `${lines.slice(0, keep).join('\n')}\n${at(lines, keep).slice(0, 17)}`);
    const resumed = await runStudy(config, { baseDir: dir, journal: cut, resume: true });
    expect(comparable(resumed)).toEqual(comparable(expected));
    // The torn line was cut off and the journal continued cleanly.
    const records = new JsonlFileStore(cut).read() as JournalRecord[];
    expect(records.filter((r) => r.t === 'searchEnd')).toHaveLength(1);
    expect(records.filter((r) => r.t === 'header')).toHaveLength(1);
  });

  test('resuming a finished journal appends nothing and returns its summary', async () => {
    const path = join(tempDir(), 'j.jsonl');
    const summary = await runStudy(config, { baseDir: dir, journal: path });
    const before = readFileSync(path, 'utf8');
    expect(await runStudy(config, { baseDir: dir, journal: path, resume: true })).toEqual(summary);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  test('resume does not rerun completed work', async () => {
    const path = join(tempDir(), 'j.jsonl');
    await runStudy(config, { baseDir: dir, journal: path });
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const kept = lines.slice(0, -1);
    writeFileSync(path, `${kept.join('\n')}\n`);
    await runStudy(config, { baseDir: dir, journal: path, resume: true });
    const after = (new JsonlFileStore(path).read() as JournalRecord[]).map((r) => r.t);
    // Only the searchEnd that the cut removed was written again: no decision, report or trial was recorded twice.
    expect(after.length).toBe(kept.length + 1);
    expect(after.slice(kept.length)).toEqual(['searchEnd']);
  });

  test('a journal written by another config is refused', async () => {
    const path = join(tempDir(), 'j.jsonl');
    await runStudy(config, { baseDir: dir, journal: path });
    await expect(runStudy({ ...config, seed: 6 }, { baseDir: dir, journal: path, resume: true })).rejects.toThrow(
      /j\.jsonl: this journal was written by another config \(hash [0-9a-f]+, this config [0-9a-f]+\); resume it with the config \(and --seed\) that started it, or use a new --journal/,
    );
  });

  test('resume of a journal that does not exist is refused, and writes nothing', async () => {
    const path = join(tempDir(), 'never.jsonl');
    await expect(runStudy(config, { baseDir: dir, journal: path, resume: true })).rejects.toThrow(
      `${path}: no such journal to resume; leave out --resume to start a new study`,
    );
    expect(existsSync(path)).toBe(false);
  });

  test('an existing journal is not overwritten without resume', async () => {
    const path = join(tempDir(), 'j.jsonl');
    await runStudy(config, { baseDir: dir, journal: path });
    await expect(runStudy(config, { baseDir: dir, journal: path })).rejects.toThrow(
      'journal already has records; pass --resume to continue it',
    );
  });

  test('a resume whose decisions differ from the journal stops with an error and leaves the journal as it was', async () => {
    const path = join(tempDir(), 'j.jsonl');
    await runStudy(config, { baseDir: dir, journal: path });
    const records = journalRecords(path);
    const cut = records.slice(
      0,
      records.findIndex((r) => r.t === 'decision' && r.n === 2),
    );
    // Pretend another strategy wrote the second decision (with valid checksums: this is no damage).
    const second = cut.find((r) => r.t === 'decision' && r.n === 1) as Extract<JournalRecord, { t: 'decision' }>;
    second.decision = {
      ...second.decision,
      params: { ...(second.decision as { params: Params }).params, batchSize: 3 },
    } as typeof second.decision;
    const text = writeJournal(path, cut);
    await expect(runStudy(config, { baseDir: dir, journal: path, resume: true })).rejects.toThrow(
      /decision 1 differs from the journal \(recorded .*"batchSize":3.*\); the strategy is not deterministic or the plugins changed/,
    );
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  test('damage before the last line is an error, not silently skipped', () => {
    const path = join(tempDir(), 'bad.jsonl');
    const [header, trainer] = journalRecords(join(fixtures, 'v2.jsonl'));
    writeFileSync(path, `${JSON.stringify(header)}\nnot json\n${JSON.stringify(trainer)}\n`);
    expect(() => new JsonlFileStore(path)).toThrow(
      `${path}:2: damaged journal: not a JSON record; keep its first 1 lines (head -n 1) and --resume to redo the rest, or start a new --journal`,
    );
  });
});
