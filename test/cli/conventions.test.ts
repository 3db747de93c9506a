/**
 * The conventions users of git, npm or Optuna's CLI expect, on the real bin: `<cmd> --help`, `-h` and
 * `help <cmd>` print the command's usage on stdout with exit 0; --version / -V; short flags; an unknown
 * flag is one line naming it and the valid ones (exit 2); stack traces only with --debug.
 * Every command's help and unknown-flag line is checked in-process (fast); a sample through real processes.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageVersion } from '../../bin/version.ts';
import { cli, runBin, runBinAsync } from '../helpers/cli.ts';
import { knownTable, tempDir, writeJson, writeTabular } from '../helpers/tabular.ts';

const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const dir = tempDir('batchtune-conventions-');
writeTabular(dir, knownTable());
copyFileSync(join(root, 'test/fixtures/plugins/broken-trainer.mjs'), join(dir, 'broken-trainer.mjs'));

const config = (name: string, body: object): string => writeJson(dir, name, body);
const grid = config('grid.json', {
  seed: 2,
  budget: { limit: 1e6 },
  strategy: { type: 'grid' },
  trainer: { type: 'tabular', file: 'curves.json' },
});
const COMMANDS = ['run', 'validate', 'show', 'schema', 'noise-scale', 'profile', 'report', 'export', 'record', 'worker'];
/** A line of a stack trace, as Node prints it. */
const STACK = /^\s+at .+[(:]\d+/m;

describe('help and version', () => {
  test('<cmd> --help and help <cmd> print the same usage on stdout and exit 0 (real processes)', async () => {
    const runs = await Promise.all(
      [
        ['run', '--help'],
        ['help', 'run'],
      ].map((a) => runBinAsync(a)),
    );
    for (const run of runs)
      expect({ code: run.code, stderr: run.stderr, stdout: run.stdout }).toEqual({ code: 0, stderr: '', stdout: runs[0]?.stdout });
    const help = runs[0]?.stdout ?? '';
    expect(help).toMatch(/^usage: batchtune run <config\.json> \[--journal <file>\] \[-r\|--resume\] /);
    for (const flag of ['-j, --json', '-q, --quiet', '-r, --resume', '--journal <file>', '--seed <n>', '--debug', '-h, --help'])
      expect(help).toContain(flag);
  });

  test('every command has a --help; -h, help <cmd> and --help <cmd> print the same text', async () => {
    for (const name of COMMANDS) {
      const long = await cli([name, '--help']);
      expect({ name, code: long.code, err: long.err }).toEqual({ name, code: 0, err: '' });
      for (const same of [
        [name, '-h'],
        ['help', name],
        ['--help', name],
      ])
        expect(await cli(same)).toEqual(long);
      expect(long.out).toMatch(new RegExp(`^usage: batchtune ${name}\\b`));
      expect(long.out).toContain('--debug');
    }
  });

  test('--help, -h and help print the overview with every command; the bare command is a usage error (2)', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const { code, out } = await cli(args);
      expect(code).toBe(0);
      for (const name of COMMANDS) expect(out).toContain(`  batchtune ${name}`);
    }
    expect((await cli([])).code).toBe(2);
    expect(await cli(['help', 'fly'])).toMatchObject({
      code: 2,
      out: '',
      err: expect.stringContaining('unknown command "fly"') as unknown,
    });
  });

  test('--version and -V print the version in package.json and exit 0 (real processes)', async () => {
    expect(runBin(['--version'])).toMatchObject({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
    expect(await cli(['-V'])).toEqual({ code: 0, out: `${manifest.version}\n`, err: '' });
  });

  test('the version is read from the nearest package.json named batchtune: from bin/ and from a compiled dist/bin/', () => {
    const layout = join(dir, 'installed');
    mkdirSync(join(layout, 'dist/bin/node_modules/other'), { recursive: true });
    writeFileSync(join(layout, 'package.json'), JSON.stringify({ name: 'batchtune', version: '7.8.9' }));
    // A package.json of another name on the way up is not ours.
    writeFileSync(join(layout, 'dist/bin/node_modules/other/package.json'), JSON.stringify({ name: 'other', version: '0.0.1' }));
    expect(packageVersion(join(layout, 'dist/bin/node_modules/other'))).toBe('7.8.9');
    expect(packageVersion(join(layout, 'dist/bin'))).toBe('7.8.9');
    expect(packageVersion()).toBe(manifest.version);
  });
});

describe('flags', () => {
  test('-j, -q and -r are --json, --quiet and --resume: a quiet JSON run, then resumed, gives the same summary', async () => {
    const journal = join(dir, 'short.jsonl');
    const first = runBin(['run', grid, '-jq', '--journal', journal]);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const resumed = await runBinAsync(['run', grid, '-r', '-j', '-q', '--journal', journal]);
    expect({ code: resumed.code, stderr: resumed.stderr }).toEqual({ code: 0, stderr: '' });
    const summary = (text: string) => (JSON.parse(text) as { best: unknown; trials: unknown[] }).trials;
    expect(summary(resumed.stdout)).toEqual(summary(first.stdout));
    expect((JSON.parse(first.stdout) as { best: { trialId: number } }).best.trialId).toBe(1);
  });

  test('an unknown flag: one line naming it and the valid flags, exit 2 (real process)', () => {
    const { code, stdout, stderr } = runBin(['run', grid, '--jsn']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'batchtune: run: unknown option --jsn (did you mean "--json"?); valid: --journal, -r/--resume, --seed, -j/--json, -q/--quiet, -h/--help, --debug (see batchtune run --help)\n',
    );
  });

  test('every command names the flags it takes when given one it does not; a value-less option says what it needs', async () => {
    for (const name of COMMANDS) {
      const { code, err } = await cli([name, '-x']);
      expect({ name, code }).toEqual({ name, code: 2 });
      expect(err).toMatch(
        new RegExp(`^batchtune: ${name}: unknown option -x; valid: .*-h/--help, --debug \\(see batchtune ${name} --help\\)\\n$`),
      );
    }
    expect((await cli(['run', grid, '--journal'])).err).toBe('batchtune: run: --journal needs a value (--journal <file>)\n');
    expect((await cli(['show', 'j.jsonl', '--json=yes'])).err).toBe('batchtune: show: --json is a flag and takes no value\n');
    expect((await cli(['report', 'j.jsonl', '--target', '-1'])).err).toBe(
      'batchtune: report: --target needs a value; one that starts with "-" is written --target=<value> (as in --target=-1)\n',
    );
  });
});

describe('--debug', () => {
  const brokenPrepare = config('broken-prepare.json', {
    seed: 1,
    plugins: ['./broken-trainer.mjs'],
    budget: { limit: 1e5 },
    strategy: { type: 'grid' },
    trainer: { type: 'broken', failIn: 'prepare' },
  });

  test("a plugin's unexpected error: one line and a hint without --debug; its stack and cause with it (real processes)", async () => {
    const [plain, debug, leading] = await Promise.all([
      runBinAsync(['run', brokenPrepare, '-q', '--journal', join(dir, 'plain.jsonl')], { cwd: dir }),
      runBinAsync(['run', brokenPrepare, '-q', '--debug', '--journal', join(dir, 'debug.jsonl')], { cwd: dir }),
      runBinAsync(['--debug', 'run', brokenPrepare, '-q', '--journal', join(dir, 'leading.jsonl')], { cwd: dir }),
    ]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(
      "batchtune: broken failed in prepare: Cannot read properties of undefined (reading 'rows') (unexpected: rerun with --debug for the stack trace)\n",
    );
    for (const run of [debug, leading]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(STACK);
      // The plugin's own frame, under the cause: where the user fixes it.
      expect(run.stderr).toContain('[cause]: TypeError');
      expect(run.stderr).toContain('broken-trainer.mjs:');
    }
  });

  test('bad input stays one line even with --debug off, and never shows a stack', () => {
    const { code, stderr } = runBin(['validate', config('typo.json', { seed: 1, budjet: {} })]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^batchtune: budjet: unknown key \(did you mean "budget"\?\); allowed: [^\n]+\n$/);
    expect(stderr).not.toMatch(STACK);
  });

  test('--resume without --journal, or with a journal that does not exist, is a usage error (no fresh study)', () => {
    const study = config('resume.json', { seed: 1, budget: { limit: 10 }, trainer: { type: 'tabular', file: 'x.json' } });
    const bare = runBin(['run', study, '--resume'], { cwd: dir });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^batchtune: run: --resume needs --journal <file>: the journal to continue\nusage: /);
    const gone = join(dir, 'never-written.jsonl');
    const missing = runBin(['run', study, '--journal', gone, '-r'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`batchtune: ${gone}: no such journal to resume; leave out --resume to start a new study\n`);
    expect(existsSync(gone)).toBe(false);
  });

  test('bad input caused by a non-batchtune error (a missing plugin file) is one line too, even with --debug', () => {
    const missing = config('missing-plugin.json', {
      seed: 1,
      budget: { limit: 10 },
      trainer: { type: 'tabular', file: 'x.json' },
      plugins: ['./gone.mjs'],
    });
    for (const args of [
      ['validate', missing],
      ['validate', missing, '--debug'],
    ]) {
      const { code, stderr } = runBin(args);
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^batchtune: plugins\[0\]: "\.\/gone\.mjs": no such file \([^\n]*gone\.mjs\); paths are relative to the config's folder\n$/,
      );
    }
  });
});
