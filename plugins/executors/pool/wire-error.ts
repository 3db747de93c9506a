import { BatchtuneError, errorMessage, PluginError } from '../../../core/index.ts';
import type { WireError } from './messages.ts';

/** Flattens an error for the trip to the search process. */
export function toWire(error: unknown): WireError {
  const coded = error as { code?: unknown; batchSize?: unknown } | null | undefined;
  return {
    message: errorMessage(error),
    ...(typeof coded?.code === 'string' ? { code: coded.code } : {}),
    ...(typeof coded?.batchSize === 'number' ? { batchSize: coded.batchSize } : {}),
    ...(error instanceof PluginError ? { plugin: error.plugin, hook: error.hook, cause: errorMessage(error.cause) } : {}),
  };
}

/** Rebuilds the error on the search side: a plugin failure stays a PluginError, an infeasible batch keeps its code. */
export function fromWire(wire: WireError): Error {
  if (wire.plugin && wire.hook) return new PluginError(wire.plugin, wire.hook, new Error(wire.cause ?? wire.message));
  const error = new BatchtuneError('PLUGIN_FAILED', wire.message);
  return Object.assign(error, {
    ...(wire.code ? { code: wire.code } : {}),
    ...(wire.batchSize !== undefined ? { batchSize: wire.batchSize } : {}),
  });
}
