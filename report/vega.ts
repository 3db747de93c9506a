/**
 * The charting packages, loaded only by the commands that draw (report --html/--svg/--serve), so an
 * install without them still runs studies. They are optional dependencies; a missing one is a
 * one-line error naming the package and the install command.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BatchtuneError } from '../core/index.ts';

const require = createRequire(import.meta.url);
const INSTALL = 'npm install vega vega-lite vega-embed';

function missing(name: string, why: string): BatchtuneError {
  return new BatchtuneError(
    'PLUGIN_LOAD_FAILED',
    `${why} needs the package "${name}", which is not installed (an optional dependency): ${INSTALL}`,
  );
}

/** The browser bundle of a package (its built, minified UMD file next to its entry point). */
function bundle(name: string, file: string): string {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw missing(name, 'the HTML report');
  }
  return readFileSync(join(dirname(entry), file), 'utf8');
}

/** Vega, Vega-Lite and vega-embed as one script, in load order, ready to inline in a page. */
export function browserBundles(): string[] {
  return [bundle('vega', 'vega.min.js'), bundle('vega-lite', 'vega-lite.min.js'), bundle('vega-embed', 'vega-embed.min.js')];
}

interface VegaModules {
  vega: typeof import('vega');
  vegaLite: typeof import('vega-lite');
}

/** Vega and Vega-Lite for rendering in Node (SVG, no browser). */
export async function nodeModules(): Promise<VegaModules> {
  const load = async <T>(name: string): Promise<T> => {
    try {
      return (await import(name)) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') throw missing(name, 'report --svg');
      throw error;
    }
  };
  return { vega: await load<VegaModules['vega']>('vega'), vegaLite: await load<VegaModules['vegaLite']>('vega-lite') };
}
