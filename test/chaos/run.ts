/**
 * `npm run chaos`: the chaos suite in its long mode (many more kill points), then the table of cases
 * tried and passed per area, summed from what each case recorded (`tally`). `npm run chaos -- --fast`
 * runs the suite as CI does. Exit code: the suite's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '../../report/format.ts';

const fast = process.argv.includes('--fast');
const tallyFile = join(mkdtempSync(join(tmpdir(), 'batchtune-chaos-')), 'tally.jsonl');
const root = new URL('../..', import.meta.url).pathname;
const jest = spawnSync(process.execPath, ['--experimental-vm-modules', join(root, 'node_modules/jest/bin/jest.js'), 'test/chaos'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BATCHTUNE_CHAOS_TALLY: tallyFile, ...(fast ? {} : { CHAOS_LONG: '1' }) },
});
const cases = existsSync(tallyFile)
  ? readFileSync(tallyFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { area: string; passed: boolean | number; tried?: number })
  : [];
// A line is one case ({ area, passed }) or an area's counts ({ suite, area, tried, passed }).
const areas = new Map<string, { tried: number; passed: number }>();
for (const { area, passed, tried } of cases) {
  const row = areas.get(area) ?? { tried: 0, passed: 0 };
  row.tried += tried ?? 1;
  row.passed += typeof passed === 'number' ? passed : passed ? 1 : 0;
  areas.set(area, row);
}
const rows = [...areas.entries()].sort((a, b) => a[0].localeCompare(b[0]));
const total = rows.reduce((t, [, r]) => ({ tried: t.tried + r.tried, passed: t.passed + r.passed }), { tried: 0, passed: 0 });
const percent = (r: { tried: number; passed: number }) => `${((100 * r.passed) / Math.max(1, r.tried)).toFixed(0)}%`;
console.log(
  `\n${renderTable(
    ['area', 'tried', 'passed', 'correct'],
    [
      ...rows.map(([area, r]) => [area, String(r.tried), String(r.passed), percent(r)]),
      ['all', String(total.tried), String(total.passed), percent(total)],
    ],
  )}`,
);
process.exit(jest.status ?? 1);
