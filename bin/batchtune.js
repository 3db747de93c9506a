#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx, so a clean clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
const { runToExit } = await import('./last-resort.ts');
runToExit(() => main(process.argv.slice(2)));
