/**
 * What `npm pack` ships must be a complete, compiled package: every relative import of a packed module
 * resolves to a packed file (a folder missing from "files" breaks `npx batchtune` for everyone who
 * installs the tarball while every test from the repository still passes), no shipped module imports
 * TypeScript, and every path package.json names (exports, bin, types) is in the tarball. Reads the
 * file list `npm pack` would ship; dist/ is built by jest's global setup.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

function packedFiles(): Set<string> {
  const packs = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
  ) as Array<{ files: Array<{ path: string }> }>;
  const pack = packs.at(0);
  if (!pack) throw new Error('npm pack --dry-run listed no package');
  return new Set(pack.files.map((f) => normalize(f.path)));
}

function relativeImports(file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  return [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match.at(1) ?? '');
}

const packed = packedFiles();
const modules = [...packed].filter((file) => /\.(js|mjs|cjs)$/.test(file) && !file.startsWith('examples/'));

test('the package ships compiled JavaScript with declarations and source maps, not TypeScript sources', () => {
  expect(modules.length).toBeGreaterThan(100);
  expect([...packed].filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts') && !file.startsWith('examples/'))).toEqual([]);
  expect(packed).toContain(normalize('dist/index.d.ts'));
  expect(packed).toContain(normalize('dist/index.js.map'));
  expect([...packed].filter((file) => file.includes('tsbuildinfo') || file.startsWith('test'))).toEqual([]);
});

test('every relative import of a packed module resolves to a packed JavaScript file', () => {
  const broken: string[] = [];
  for (const file of modules) {
    for (const specifier of relativeImports(file)) {
      const target = normalize(join(dirname(file), specifier));
      if (!packed.has(target) || !/\.(js|mjs|cjs)$/.test(target)) broken.push(`${file} imports ${specifier}`);
    }
  }
  expect(broken).toEqual([]);
});

test('every path package.json names is packed', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    main: string;
    types: string;
    bin: Record<string, string>;
    exports: Record<string, string | Record<string, string>>;
  };
  const named = [
    manifest.main,
    manifest.types,
    ...Object.values(manifest.bin),
    ...Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target))),
  ];
  expect(named.map(normalize).filter((path) => !packed.has(path))).toEqual([]);
});
