import { errorMessage } from '../../../core/errors.ts';
import { at } from '../../../core/indexed.ts';

/** Imports an optional package: "not installed" when it is absent, the loader's own first line when it breaks. */
export async function importOptional(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && errorMessage(error).includes(name)) {
      throw new Error('not installed');
    }
    throw new Error(`failed to load (${at(errorMessage(error).split('\n'), 0).slice(0, 200)})`);
  }
}
