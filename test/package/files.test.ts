/**
 * The packed package must hold every module its own modules import: a folder missing from package.json
 * "files" breaks `npx batchtune` for everyone who installs the tarball, while every test run from the
 * repository still passes. This reads what `npm pack` would ship and follows each relative import.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

test('every relative import of a packed module resolves to a packed file', () => {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
  ) as Array<{ files: Array<{ path: string }> }>;
  const packed = new Set(pack.files.map((f) => normalize(f.path)));
  const missing: string[] = [];
  for (const file of packed) {
    if (!/\.(ts|js|mjs)$/.test(file)) continue;
    const source = readFileSync(join(root, file), 'utf8');
    for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = normalize(join(dirname(file), specifier));
      if (!packed.has(target)) missing.push(`${file} imports ${specifier}`);
    }
  }
  expect(missing).toEqual([]);
});
