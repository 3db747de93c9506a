import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ownPackage } from '../core/package-root.ts';

/**
 * batchtune's version, from its package.json, read at run time: the nearest package.json named
 * batchtune above this file, so it holds from the sources (bin/) and from a compiled build (dist/bin/).
 */
export function packageVersion(from = dirname(fileURLToPath(import.meta.url))): string {
  return ownPackage(from).manifest.version;
}
