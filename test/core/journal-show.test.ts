/**
 * `show` and `report` read a journal whose search crashed (or still runs) and say where it stopped:
 * the last record's line, the segments in flight, a torn last line, a search still writing it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { JsonlFileStore, runStudy, type StudyConfig } from '../../index.ts';
import { cli } from '../helpers/cli.ts';
import { journalLines, journalRecords } from '../helpers/journal.ts';
import { tempDir } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';

const fixtures = resolve(import.meta.dirname, '../fixtures/journals');
const config = JSON.parse(readFileSync(join(fixtures, 'successive-halving.json'), 'utf8')) as StudyConfig;

let journal: string;
beforeAll(async () => {
  journal = join(tempDir(), 'sh.jsonl');
  await runStudy(config, { baseDir: fixtures, journal });
});

/** The journal as a crash left it: its first `keep` lines and half of the next. */
function crashed(keep: number): string {
  const lines = journalLines(journal);
  const path = join(tempDir(), 'crashed.jsonl');
  writeFileSync(path, `${lines.slice(0, keep).join('\n')}\n${at(lines, keep).slice(0, 40)}`);
  return path;
}

describe('where an unfinished journal stops', () => {
  test('show and report: the last record, the segment in flight, the torn line', async () => {
    const records = journalRecords(journal);
    const keep = records.findIndex((r, i) => i > 50 && r.t === 'report') + 1;
    const last = records[keep - 1] as { trialId: number; seg: number };
    const path = crashed(keep);
    const expected = `unfinished: last record at line ${keep} (report of trial ${last.trialId} segment ${last.seg}), trial ${last.trialId} segment ${last.seg} in flight; a torn line ${keep + 1} (40 bytes) is ignored; --resume continues it\n`;

    const show = await cli(['show', path]);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`${path}: successive-halving on tabular, seed 3, `);
    expect(show.out).toContain(` trials (unfinished)\n${expected}`);
    const report = await cli(['report', path]);
    expect(report.code).toBe(0);
    expect(report.out).toContain(` trials (unfinished)\n${expected}`);

    const json = JSON.parse((await cli(['show', path, '--json'])).out) as unknown;
    expect(json).toMatchObject({
      finished: false,
      stopped: {
        line: keep,
        last: { t: 'report', trialId: last.trialId, seg: last.seg },
        inFlight: [{ trialId: last.trialId, seg: last.seg }],
        torn: { line: keep + 1, bytes: 40 },
      },
    });
  });

  test('between segments nothing is in flight', async () => {
    const records = journalRecords(journal);
    const keep = records.findIndex((r, i) => i > 20 && r.t === 'trialEnd') + 1;
    const { out } = await cli(['show', crashed(keep)]);
    expect(out).toContain(
      `unfinished: last record at line ${keep} (trial end of trial ${(records[keep - 1] as { trialId: number }).trialId}), no segment in flight; a torn line`,
    );
  });

  test('a journal a search is writing now says who writes it', async () => {
    const path = crashed(30);
    const writer = new JsonlFileStore(path, { lock: true });
    try {
      const { code, out } = await cli(['show', path]);
      expect(code).toBe(0);
      expect(out).toMatch(
        new RegExp(`\\nrunning: PID ${process.pid} on ${hostname()} is writing it \\(since [0-9T:.-]+Z\\); last record at line 30 \\(`),
      );
    } finally {
      writer.close();
    }
  });

  test('a finished journal says nothing of the kind', async () => {
    const { out } = await cli(['show', journal]);
    expect(out).not.toMatch(/unfinished|running:/);
    expect(out).toMatch(/\nbest: trial \d+ val_acc=/);
  });

  test('a damaged journal is one line naming the line, from show and report alike', async () => {
    const lines = journalLines(journal);
    lines[40] = at(lines, 40).replace('"t":"', '"t":"x');
    const path = join(tempDir(), 'damaged.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n`);
    for (const command of ['show', 'report']) {
      const { code, out, err } = await cli([command, path]);
      expect({ code, out }).toEqual({ code: 2, out: '' });
      expect(err).toMatch(
        new RegExp(
          `^batchtune: ${path}:41: damaged journal: checksum mismatch [^\\n]*; keep its first 40 lines \\(head -n 40\\) and --resume to redo the rest, or start a new --journal\\n$`,
        ),
      );
    }
  });
});
