import { studySchema } from './config.ts';
import type { PluginKind } from './plugin.ts';
import type { PluginRegistry } from './registry.ts';

/**
 * The full JSON Schema of a study config, with each registered plugin's options under an
 * if/then on its `type`, so editors can complete and check configs.
 */
export function buildJsonSchema(registry: PluginRegistry): Record<string, unknown> {
  const variants = (kind: PluginKind) => {
    const definitions = registry.all(kind);
    return {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: definitions.map((d) => d.name) } },
      allOf: definitions.map((d) => ({
        if: { properties: { type: { const: d.name } } },
        then: {
          description: d.description,
          ...d.schema,
          properties: { type: { const: d.name }, ...d.schema.properties },
          additionalProperties: false,
        },
      })),
    };
  };
  // The composed schema is not study.json: it goes without that $id.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- omitted by rest destructuring
  const { $id, ...base } = studySchema;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...base,
    properties: {
      ...base.properties,
      strategy: variants('strategy'),
      sampler: variants('sampler'),
      scheduler: variants('scheduler'),
      trainer: variants('trainer'),
      callbacks: { type: 'array', items: variants('callback') },
    },
  };
}
