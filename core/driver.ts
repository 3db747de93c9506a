import { withDeadline } from './deadline.ts';
import { PluginError } from './errors.ts';

/**
 * Every call into a plugin goes through here, so a failure is stamped with the plugin's name and
 * hook (as Rollup's PluginDriver does). Errors batchtune raises on purpose pass through unchanged.
 */
export async function callPlugin<T>(plugin: string, hook: string, call: () => T | Promise<T>, deadlineSeconds?: number): Promise<T> {
  try {
    const work = Promise.resolve().then(call);
    return await (deadlineSeconds === undefined ? work : withDeadline(work, deadlineSeconds, plugin, hook));
  } catch (error) {
    throw wrap(plugin, hook, error);
  }
}

function wrap(plugin: string, hook: string, error: unknown): unknown {
  if (error instanceof PluginError) return error;
  if (isCoded(error, 'INFEASIBLE') || isCoded(error, 'TIMEOUT')) return error;
  return new PluginError(plugin, hook, error);
}

export function isCoded(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
