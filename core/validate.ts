import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BatchtuneError, configError, didYouMean, showValue } from './errors.ts';
import { studySchema, type PluginRef, type ResolvedConfig, type StudyConfig } from './config.ts';
import type { PluginDefinition, PluginEnvironment, PluginKind } from './plugin.ts';
import type { PluginRegistry } from './registry.ts';
import { loadPlugins } from './plugin-loader.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: false });
const validateStudy = ajv.compile(studySchema);
const compiledOptions = new WeakMap<PluginDefinition, ValidateFunction>();

/** `/callbacks/0/patience` → `callbacks[0].patience`. */
export function toPath(prefix: string, instancePath: string): string {
  let path = prefix;
  for (const part of instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : path ? `.${key}` : key;
  }
  return path;
}

/** One line for the most specific ajv error: path, problem, value, what is allowed. */
export function formatAjvErrors(errors: ErrorObject[], prefix: string): BatchtuneError {
  // Prefer an unknown key (a typo), then the deepest error; branch summaries (anyOf) come last.
  const ranked = [...errors].sort((a, b) => rank(b) - rank(a));
  // When the value itself fits none of several forms, list the forms rather than one branch's complaint.
  const summary = ranked.find((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && e.instancePath === ranked[0].instancePath);
  const error = ranked[0].keyword === 'additionalProperties' || !summary ? ranked[0] : summary;
  const path = toPath(prefix, error.instancePath);
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const key = params.additionalProperty as string;
      const allowed = Object.keys((error.parentSchema as any)?.properties ?? {}).filter((k) => k !== '$schema');
      const where = path ? `${path}.${key}` : key;
      return configError(where, `unknown key${didYouMean(key, allowed)}; allowed: ${allowed.join(', ') || '(none)'}`);
    }
    case 'required': {
      const where = path ? `${path}.${params.missingProperty}` : params.missingProperty;
      return configError(where, 'is required');
    }
    case 'enum':
      return configError(path, `must be one of ${(params.allowedValues as unknown[]).map((v) => showValue(v)).join(', ')}`, error.data);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return configError(path, `must be ${params.comparison} ${params.limit}`, error.data);
    case 'type':
      return configError(path, `must be ${[params.type].flat().join(' or ')}`, error.data);
    case 'anyOf':
    case 'oneOf':
      return configError(path, `does not match any allowed form: ${describeForms(error.schema as unknown[])}`, error.data);
    default:
      return configError(path, error.message ?? 'is invalid', error.data);
  }
}

function rank(error: ErrorObject): number {
  const depth = error.instancePath.split('/').length;
  if (error.keyword === 'additionalProperties') return 1000 + depth;
  if (error.keyword === 'anyOf' || error.keyword === 'oneOf') return depth * 10 - 5;
  return depth * 10;
}

function describeForms(forms: unknown[]): string {
  return forms
    .map((form: any) => {
      if (form.type === 'object' && form.required) return `{ ${form.required.join(', ')} }`;
      if (form.type === 'array') return 'a list';
      return form.type ?? form.enum?.map((v: unknown) => showValue(v)).join('|') ?? 'value';
    })
    .join(' or ');
}

/** Checks a plugin's options against its schema, filling defaults. Returns the options with `type`. */
export function validatePluginOptions(definition: PluginDefinition, ref: PluginRef, path: string): PluginRef {
  let validate = compiledOptions.get(definition);
  if (!validate) {
    validate = ajv.compile({ ...definition.schema, additionalProperties: definition.schema.additionalProperties ?? false, properties: { type: { type: 'string' }, ...definition.schema.properties } });
    compiledOptions.set(definition, validate);
  }
  const options = structuredClone(ref);
  if (!validate(options)) throw formatAjvErrors(validate.errors ?? [], path);
  return options;
}

/**
 * Validates a raw config (parsed JSON or an API object): the study schema, then each plugin's
 * options against the plugin's schema, then each plugin's own checks (files exist and parse).
 * Throws a BatchtuneError whose message is one line naming the field.
 */
export async function resolveConfig(raw: unknown, registry: PluginRegistry, env: Omit<PluginEnvironment, 'seed'>): Promise<ResolvedConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configError('', 'must be a JSON object', raw);
  const config = structuredClone(raw) as StudyConfig;
  const composed = config.sampler !== undefined || config.scheduler !== undefined;
  if (composed && config.strategy !== undefined) {
    throw configError('strategy', 'cannot be given with "sampler" or "scheduler": a strategy is a preset of both; give either the preset or the pair', config.strategy);
  }
  if (!validateStudy(config)) throw formatAjvErrors(validateStudy.errors ?? [], '');
  const resolved = config as unknown as ResolvedConfig;
  const pluginEnv: PluginEnvironment = { ...env, seed: resolved.seed };
  await loadPlugins(resolved.plugins, registry, env.baseDir);

  const checks: Array<[PluginKind, PluginRef, string]> = [
    ['strategy', resolved.strategy, 'strategy.type'],
    ['trainer', resolved.trainer, 'trainer.type'],
    ['executor', resolved.executor, 'executor.type'],
    ...(composed
      ? ([
          ['sampler', (resolved.sampler ??= { type: 'random' }), 'sampler.type'],
          ['scheduler', (resolved.scheduler ??= { type: 'fifo' }), 'scheduler.type'],
        ] as Array<[PluginKind, PluginRef, string]>)
      : []),
    ...resolved.callbacks.map((ref, i): [PluginKind, PluginRef, string] => ['callback', ref, `callbacks[${i}].type`]),
  ];
  const validated: PluginRef[] = [];
  for (const [kind, ref, typePath] of checks) {
    const definition = registry.get(kind, ref.type, typePath);
    const path = typePath.slice(0, -'.type'.length);
    const options = validatePluginOptions(definition, ref, path);
    await definition.check?.(options as never, pluginEnv, path);
    validated.push(options);
  }
  resolved.strategy = validated[0];
  resolved.trainer = validated[1];
  resolved.executor = validated[2];
  const pair = composed ? 2 : 0;
  if (composed) {
    resolved.sampler = validated[3];
    resolved.scheduler = validated[4];
    // The engine sees one strategy: the built-in "compose" strategy pairs them (strategies/compose.ts).
    resolved.strategy = { type: 'compose', sampler: resolved.sampler, scheduler: resolved.scheduler };
  }
  resolved.callbacks = validated.slice(3 + pair);
  return resolved;
}
