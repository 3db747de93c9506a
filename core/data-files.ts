import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ResolvedConfig } from './config.ts';
import { BatchtuneError, errorMessage } from './errors.ts';
import type { PluginKind } from './plugin.ts';
import type { PluginRegistry } from './registry.ts';

/** A file a study reads, as its journal records it: the path the config gave and the content's hash. */
export interface DataFileHash {
  file: string;
  sha256: string;
  bytes: number;
}

/**
 * Every file a resolved config makes batchtune read: what each plugin it names declares
 * (`dataFiles`: the tabular file, tfjs data and model modules, a process trainer's script) and the
 * user plugin modules. Paths as the config gives them, each file once.
 */
export function configDataFiles(config: ResolvedConfig, registry: PluginRegistry, baseDir: string): string[] {
  const env = { baseDir, seed: config.seed };
  const refs: Array<[PluginKind, ResolvedConfig['trainer']]> = [
    ['trainer', config.trainer],
    ['strategy', config.strategy],
    ['executor', config.executor],
    ...config.callbacks.map((ref): [PluginKind, ResolvedConfig['trainer']] => ['callback', ref]),
  ];
  const files = [...config.plugins];
  for (const [kind, ref] of refs) {
    const definition = registry.has(kind, ref.type) ? registry.get(kind, ref.type, `${kind}.type`) : undefined;
    files.push(...(definition?.dataFiles?.(ref, env) ?? []));
  }
  const seen = new Set<string>();
  return files.filter((file) => {
    const key = resolve(baseDir, file);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The sha256 of each file, read as a stream (data files may be large). */
export async function hashDataFiles(files: readonly string[], baseDir: string): Promise<DataFileHash[]> {
  const hashes: DataFileHash[] = [];
  for (const file of files) {
    const path = resolve(baseDir, file);
    try {
      const bytes = statSync(path).size;
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      hashes.push({ file, sha256: hash.digest('hex'), bytes });
    } catch (error) {
      throw new BatchtuneError('DATA_INVALID', `${file}: cannot read it to record its hash: ${errorMessage(error)}`, { cause: error });
    }
  }
  return hashes;
}

/** The first recorded file whose content is not what it was; undefined when all are the same. */
export function changedDataFile(
  recorded: readonly DataFileHash[],
  now: readonly DataFileHash[],
): { then: DataFileHash; now?: DataFileHash } | undefined {
  for (const then of recorded) {
    const current = now.find((entry) => entry.file === then.file);
    if (!current || current.sha256 !== then.sha256) return { then, ...(current ? { now: current } : {}) };
  }
  return undefined;
}
