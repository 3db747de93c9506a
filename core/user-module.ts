/**
 * Imports a module the user wrote (a plugin, a data or model module) by its absolute path. batchtune
 * runs as compiled JavaScript, so a TypeScript module needs a loader: tsx, an optional peer dependency,
 * registered in this process the first time a `.ts` file is imported (a run with only `.js` plugins
 * never loads it). Without tsx, a Node that strips types itself (22.18+) imports the file natively;
 * otherwise the import fails with one line naming the package to install.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { BatchtuneError } from './errors.ts';

const TYPESCRIPT = /\.[cm]?tsx?$/;

let typescriptLoader: Promise<void> | undefined;

export async function importUserModule(absolutePath: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT.test(absolutePath)) await loadTypeScript(absolutePath);
  return (await import(pathToFileURL(absolutePath).href)) as Record<string, unknown>;
}

function loadTypeScript(file: string): Promise<void> {
  // Running from batchtune's own TypeScript sources (its tests, bench) means a loader is already in place.
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  // A failed attempt is not remembered: tsx installed since is found on the next import.
  typescriptLoader ??= registerTsx(file).catch((error: unknown) => {
    typescriptLoader = undefined;
    throw error;
  });
  return typescriptLoader;
}

async function registerTsx(file: string): Promise<void> {
  const entry = resolveTsx(file);
  if (entry === undefined) {
    if (stripsTypes()) return;
    throw new BatchtuneError(
      'PLUGIN_LOAD_FAILED',
      'TypeScript needs the package "tsx" to load (an optional peer dependency of batchtune): npm install --save-dev tsx',
    );
  }
  // tsx's main entry is what `node --import tsx` runs: it registers its loader hooks in this process.
  await import(pathToFileURL(entry).href);
}

/** tsx next to the user's module (their project), else next to batchtune (installed beside it). */
function resolveTsx(file: string): string | undefined {
  for (const from of [file, import.meta.url]) {
    try {
      return createRequire(from).resolve('tsx');
    } catch {
      // Not installed there; try the next place.
    }
  }
  return undefined;
}

/** Node 22.18+ and 23.6+ run erasable TypeScript without a loader. */
function stripsTypes(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}
