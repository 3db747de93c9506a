/**
 * Chaos: journals. A real journal (successive halving on a PyTorch recording) is cut at every record
 * boundary, with and without a torn line, and hit by random single-byte flips; two `batchtune run`
 * processes race for one journal; a writer is SIGKILLed and its stale lock taken over by --resume.
 * Every case must end in the same result as an undisturbed run, or in a refusal naming the damaged line:
 * never a different result. The cases tried and passed per area are printed (and tallied: tally.ts).
 *
 * BATCHTUNE_CHAOS_SEED picks the random cases (printed); BATCHTUNE_CHAOS_LONG=1 tries ten times more flips
 * and both cuts at every boundary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createRng, runStudy, viewJournal, type SearchSummary } from '../../index.ts';
import { lockPathOf } from '../../core/journal-lock.ts';
import { journalRecords } from '../helpers/journal.ts';
import { tempDir } from '../helpers/tabular.ts';
import { ChaosTally } from './tally.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/batchtune.js');
const fixtures = join(root, 'test/fixtures/journals');
// Successive halving over 4 of the recorded configurations: 59 records of every type (starts, continues, stops, tells).
const config = {
  seed: 3,
  budget: { limit: 400000 },
  strategy: { type: 'successive-halving', minResource: 5000, maxResource: 20000, reductionFactor: 2, nConfigs: 4 },
  trainer: { type: 'tabular', file: '../tabular/digits-steps.json' },
};
const long = process.env.BATCHTUNE_CHAOS_LONG === '1';
const seed = Number(process.env.BATCHTUNE_CHAOS_SEED ?? 1);
const tally = new ChaosTally('journal');

const comparable = (s: SearchSummary) => JSON.stringify({ ...s, elapsedSeconds: Math.round(s.elapsedSeconds * 1e6) });
/** What a search found, whichever trainer plugin (tabular, or the slowed copy) replayed the recording. */
const results = (s: SearchSummary) => JSON.stringify({ best: s.best, trials: s.trials, budget: s.budget });
const resume = (journal: string) => runStudy(config, { baseDir: fixtures, journal, resume: true });

let full: string;
let original: Buffer;
let expected: string;
let expectedResults: string;
beforeAll(async () => {
  const journal = (full = join(tempDir(), 'full.jsonl'));
  const summary = await runStudy(config, { baseDir: fixtures, journal });
  expected = comparable(summary);
  expectedResults = results(summary);
  original = readFileSync(journal);
  console.log(`chaos seed ${seed}${long ? ' (long)' : ''}`);
});
afterAll(() => {
  tally.report();
});

/**
 * What a journal says, as the one reducer reads it: its trials with every report, the decisions and
 * tells in order, the summary. (A segment cut short by the cut starts again: its first reports stay in
 * the file and the reducer sets them aside.) A fresh start differs only in its time stamp.
 */
function settled(journal: string): string {
  const view = viewJournal(journalRecords(journal));
  const { header, trials, decisions, events, pluginErrors, summary } = view;
  return JSON.stringify({
    header: { ...header, createdAt: undefined },
    trials,
    decisions,
    events,
    pluginErrors,
    summary: summary && comparable(summary),
  });
}

/** Where each line starts, and the line (1-based) a byte offset falls on; a newline belongs to the line it ends. */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(0x0a); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0x0a, i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let line = 0;
  while (line + 1 < starts.length && at(starts, line + 1) <= offset) line += 1;
  return line + 1;
}

async function outcome(journal: string): Promise<{ summary?: string; code?: string | undefined; message?: string }> {
  try {
    return { summary: comparable(await resume(journal)) };
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}

test('truncation at every record boundary, with and without a torn line, resumes to the same result and the same journal', async () => {
  const rng = createRng(seed, 'chaos-truncation');
  const starts = lineStarts(original);
  const dir = tempDir('batchtune-chaos-');
  for (let k = 0; k < starts.length; k++) {
    const cuts = long ? ['clean', 'torn'] : [rng.next() < 0.5 ? 'clean' : 'torn'];
    for (const cut of cuts) {
      const end = at(starts, k);
      const next = starts[k + 1] ?? original.length;
      const torn = cut === 'torn' ? 1 + rng.int(next - end - 1) : 0;
      const path = join(dir, `cut-${k}-${cut}.jsonl`);
      writeFileSync(path, original.subarray(0, end + torn));
      const got = await outcome(path);
      const same = settled(path) === settled(full);
      const passed = got.summary === expected && same;
      tally.record(
        'truncation',
        passed,
        `cut after ${k} lines${torn ? ` + ${torn} torn bytes` : ''}: ${got.message ?? (same ? 'different summary' : 'different journal')}`,
      );
    }
  }
  expect(tally.failures('truncation')).toEqual([]);
}, 60_000);

test('random byte flips are refused at the damaged line, or (in the torn last line) resume cleanly: never a different result', async () => {
  const rng = createRng(seed, 'chaos-flips');
  const starts = lineStarts(original);
  // A journal as a crash left it: 60% of its lines and part of the next (flips there must resume cleanly).
  const keep = Math.floor(starts.length * 0.6);
  const intact = at(starts, keep);
  const base = original.subarray(0, intact + Math.floor((at(starts, keep + 1) - intact) / 2));
  const dir = tempDir('batchtune-chaos-');
  const flips = long ? 2000 : 200;
  // Uniform flips rarely hit the torn line (a few hundred bytes of ~11,000): some more are aimed at it.
  const tailFlips = long ? 200 : 20;
  let inTail = 0;
  for (let i = 0; i < flips + tailFlips; i++) {
    const offset = i < flips ? rng.int(base.length) : intact - 1 + rng.int(base.length - intact + 1);
    const bytes = Buffer.from(base);
    bytes[offset] = at(bytes, offset) ^ (1 + rng.int(255));
    const path = join(dir, `flip-${i}.jsonl`);
    writeFileSync(path, bytes);
    const got = await outcome(path);
    // The last intact line's newline, flipped, makes that line part of the torn tail: it is redone, not lost.
    // A flip that writes a newline into the torn line makes a complete line of its start, which no torn
    // write can leave (a write is cut short before its newline, never after): that is damage, refused.
    const newline = offset >= intact && bytes[offset] === 0x0a;
    const inTornTail = offset >= intact - 1 && !newline;
    if (inTornTail) inTail += 1;
    const line = lineAt(starts, offset);
    const passed = inTornTail
      ? got.summary === expected
      : got.code === 'JOURNAL_CORRUPT' && defined(got.message, 'got.message').startsWith(`${path}:${line}: damaged journal: `);
    const what = `flip ${i} at byte ${offset} (line ${line}${inTornTail ? ', torn tail' : ''})`;
    tally.record(
      'byte flips',
      passed,
      `${what}: ${got.message ?? (got.summary === expected ? 'resumed (should be refused)' : 'a different result')}`,
    );
  }
  console.log(`byte flips: ${flips + tailFlips - inTail} before the torn last line (refused), ${inTail} in it (resumed)`);
  expect(tally.failures('byte flips')).toEqual([]);
}, 60_000);

describe('two writers', () => {
  const dir = tempDir('batchtune-chaos-');
  const slowConfig = (name: string, trainer: { prepareUntil?: string; reportMs?: number }) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        ...config,
        trainer: { type: 'slow-tabular', file: join(root, 'test/fixtures/tabular/digits-steps.json'), ...trainer },
        plugins: [join(root, 'test/fixtures/plugins/slow-trainer.mjs')],
      }),
    );
    return path;
  };
  const start = (args: string[]) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (c) => (output.stdout += String(c)));
    child.stderr.on('data', (c) => (output.stderr += String(c)));
    const exit = new Promise<number | null>((done) =>
      child.on('exit', (code) => {
        done(code);
      }),
    );
    return { child, output, exit };
  };
  const until = async (condition: () => boolean, child: ChildProcess) => {
    while (!condition()) {
      if (child.exitCode !== null) throw new Error('the first writer ended before the test could race it');
      await new Promise((done) => setTimeout(done, 5));
    }
  };

  test.concurrent(
    'a second run on a journal whose first run is still preparing is refused at once; the journal holds one study',
    async () => {
      const prepared = join(dir, 'prepared');
      const slow = slowConfig('race', { prepareUntil: prepared });
      const journal = join(dir, 'race.jsonl');
      const first = start(['run', slow, '--journal', journal, '--quiet', '--json']);
      await until(() => existsSync(lockPathOf(journal)), first.child);
      const second = start(['run', slow, '--journal', journal, '--quiet', '--json']);
      const secondCode = await second.exit;
      const firstStillPreparing = first.child.exitCode === null && !existsSync(journal);
      writeFileSync(prepared, '');
      const firstCode = await first.exit;
      const records = journalRecords(journal);
      const message = new RegExp(
        `^batchtune: ${journal}: in use by another batchtune search \\(PID ${first.child.pid} on ${hostname()}, since [0-9T:.-]+Z\\); wait for it to end, or use another --journal\\n$`,
      );
      const cases = [
        tally.record(
          'two writers',
          secondCode === 2 && message.test(second.output.stderr) && second.output.stdout === '',
          `second writer: exit ${secondCode}, ${second.output.stderr}`,
        ),
        tally.record('two writers', firstStillPreparing, 'the second writer was not refused before the first finished preparing'),
        tally.record(
          'two writers',
          firstCode === 0 &&
            records.filter((r) => r.t === 'header').length === 1 &&
            records.filter((r) => r.t === 'searchEnd').length === 1,
          `first writer: exit ${firstCode}, ${first.output.stderr}`,
        ),
        tally.record(
          'two writers',
          results(JSON.parse(first.output.stdout) as SearchSummary) === expectedResults,
          'the first writer found another result',
        ),
        tally.record('two writers', !existsSync(lockPathOf(journal)), 'the lock outlived its writer'),
      ];
      expect(tally.failures('two writers')).toEqual([]);
      expect(cases.every(Boolean)).toBe(true);
    },
    60_000,
  );

  test.concurrent(
    'a SIGKILLed writer leaves a stale lock; --resume takes it over with a warning and ends with the undisturbed result',
    async () => {
      const slow = slowConfig('killed', { reportMs: 15 });
      const journal = join(dir, 'killed.jsonl');
      const first = start(['run', slow, '--journal', journal, '--quiet', '--json']);
      await until(() => existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 25, first.child);
      first.child.kill('SIGKILL');
      await first.exit;
      const stale = JSON.parse(readFileSync(lockPathOf(journal), 'utf8')) as { pid: number; startedAt: string };
      const resumed = start(['run', slow, '--journal', journal, '--resume', '--quiet', '--json']);
      const code = await resumed.exit;
      const warning = `batchtune: warning: ${journal}: took over the lock of PID ${first.child.pid} on ${hostname()} (since ${stale.startedAt}), which is no longer running\n`;
      const cases = [
        tally.record(
          'stale lock',
          stale.pid === first.child.pid,
          `the lock names PID ${stale.pid}, not the killed writer ${first.child.pid}`,
        ),
        tally.record('stale lock', code === 0 && resumed.output.stderr === warning, `resume: exit ${code}, ${resumed.output.stderr}`),
        tally.record(
          'stale lock',
          code === 0 && results(JSON.parse(resumed.output.stdout) as SearchSummary) === expectedResults,
          'the resumed search found another result',
        ),
        tally.record('stale lock', !existsSync(lockPathOf(journal)), 'the lock outlived the resumed writer'),
      ];
      expect(tally.failures('stale lock')).toEqual([]);
      expect(cases.every(Boolean)).toBe(true);
    },
    60_000,
  );
});
