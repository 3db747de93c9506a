import { buildJsonSchema, createRegistry } from '../../index.ts';
import { defineCommand } from '../command.ts';

export const schemaCommand = defineCommand({
  name: 'schema',
  summary: 'print the JSON Schema of study configs (the committed copy is schema/batchtune.schema.json)',
  options: {},
  run: () => {
    process.stdout.write(`${JSON.stringify(buildJsonSchema(createRegistry()), null, 2)}\n`);
    return Promise.resolve(0);
  },
});
