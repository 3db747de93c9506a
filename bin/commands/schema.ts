import { buildJsonSchema, createRegistry } from '../../index.ts';

export const usage = 'batchtune schema';

/** Prints the JSON Schema of study configs (the committed copy is schema/batchtune.schema.json). */
export async function schema(): Promise<number> {
  process.stdout.write(`${JSON.stringify(buildJsonSchema(createRegistry()), null, 2)}\n`);
  return 0;
}
