import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BatchtuneError, errorMessage } from './errors.ts';
import { isPluginDefinition, type PluginDefinition } from './plugin.ts';
import type { PluginRegistry } from './registry.ts';
import { importUserModule } from './user-module.ts';

/**
 * Imports user plugin modules and registers every plugin definition they export (default export,
 * named exports, or arrays of definitions). Paths are relative to the config's folder.
 */
export async function loadPlugins(paths: readonly string[], registry: PluginRegistry, baseDir: string): Promise<PluginDefinition[]> {
  const loaded: PluginDefinition[] = [];
  for (const [index, path] of paths.entries()) {
    const where = `plugins[${index}]`;
    const file = resolve(baseDir, path);
    // Named plainly here: Node's own message for a missing file names the batchtune module importing it.
    if (!existsSync(file)) {
      throw new BatchtuneError(
        'PLUGIN_LOAD_FAILED',
        `${where}: ${JSON.stringify(path)}: no such file (${file}); paths are relative to the config's folder`,
      );
    }
    let module: Record<string, unknown>;
    try {
      module = await importUserModule(file);
    } catch (error) {
      throw new BatchtuneError('PLUGIN_LOAD_FAILED', `${where}: cannot load ${JSON.stringify(path)}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    const definitions = Object.values(module).flat().filter(isPluginDefinition);
    if (definitions.length === 0) {
      throw new BatchtuneError(
        'PLUGIN_LOAD_FAILED',
        `${where}: ${JSON.stringify(path)} exports no plugin; export one made with defineStrategy, defineSampler, defineScheduler, defineTrainer, defineCallback or defineExecutor`,
      );
    }
    for (const definition of definitions) {
      registerOnce(registry, definition);
      loaded.push(definition);
    }
  }
  return loaded;
}

/** Registering the same definition again (validate, then run) is harmless; a different one is not. */
function registerOnce(registry: PluginRegistry, definition: PluginDefinition): void {
  if (registry.has(definition.kind, definition.name)) {
    if (registry.get(definition.kind, definition.name, 'plugins') === definition) return;
  }
  registry.register(definition);
}
