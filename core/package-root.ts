import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What batchtune reads of its own package.json. */
interface OwnManifest {
  name: string;
  version: string;
  optionalDependencies?: Record<string, string>;
}

/**
 * batchtune's own folder and package.json: the nearest package.json named batchtune above `from`
 * (by default this file). One lookup for the sources (core/) and a compiled build (dist/core/), which
 * sit at different depths; files shipped beside the code (python/, schema/) are found from here.
 */
export function ownPackage(from = dirname(fileURLToPath(import.meta.url))): { root: string; manifest: OwnManifest } {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Partial<OwnManifest>;
      if (manifest.name === 'batchtune' && typeof manifest.version === 'string') return { root: dir, manifest: manifest as OwnManifest };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json named batchtune above ${from}`);
  }
}
