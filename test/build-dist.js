/**
 * Jest's global setup: the tests that spawn `bin/batchtune.js` run the compiled CLI in dist/, as users
 * do, so dist/ must match the sources. Rebuilds (incrementally) only when a source is newer than the
 * last build, so an unchanged tree costs one walk over the file times.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const stamp = join(root, 'dist/.tsbuildinfo');

function newestSource() {
  const config = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
  let newest = Math.max(statSync(join(root, 'tsconfig.json')).mtimeMs, statSync(join(root, 'tsconfig.build.json')).mtimeMs);
  const visit = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else if (path.endsWith('.ts')) newest = Math.max(newest, stat.mtimeMs);
  };
  for (const entry of config.include) visit(join(root, entry));
  return newest;
}

export default function buildDist() {
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource()) return;
  process.stderr.write('\nbuilding dist/ (sources changed since the last build): the CLI tests run the compiled bin\n');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  // Type errors still emit JavaScript (and `npm test` reports them through tsc --noEmit); no output at all is fatal.
  if (!existsSync(join(root, 'dist/bin/cli.js'))) throw new Error(`npm run build failed:\n${tsc.stdout}${tsc.stderr}`);
  if (tsc.status !== 0) process.stderr.write(`warning: npm run build reported errors:\n${tsc.stdout.split('\n').slice(0, 5).join('\n')}\n`);
  const now = new Date();
  utimesSync(stamp, now, now);
}
