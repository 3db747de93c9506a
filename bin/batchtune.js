#!/usr/bin/env node
// The command users run: the compiled CLI in dist/ (`npm run build`; `npm ci` and `npm install` build it
// through "prepare"), plain JavaScript with no TypeScript runner. With --debug, stack traces point
// into the TypeScript sources (dist/ carries source maps).
import { existsSync } from 'node:fs';

if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const cli = new URL('../dist/bin/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('batchtune: the compiled CLI (dist/bin/cli.js) is missing; run `npm run build` in the batchtune folder\n');
  process.exit(2);
}
const { main } = await import(cli.href);
const { runToExit } = await import(new URL('../dist/bin/last-resort.js', import.meta.url).href);
runToExit(() => main(process.argv.slice(2)));
