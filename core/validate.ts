import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BatchtuneError, configError, didYouMean, showValue } from './errors.ts';
import { studySchema, type PluginRef, type ResolvedConfig, type StudyConfig } from './config.ts';
import type { PluginDefinition, PluginEnvironment, PluginKind } from './plugin.ts';
import type { PluginRegistry } from './registry.ts';
import { loadPlugins } from './plugin-loader.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: false });
const validateStudy = ajv.compile(studySchema);
const compiledOptions = new WeakMap<PluginDefinition, ValidateFunction>();

/** The parts of a JSON Schema node the messages below read (ajv hands schemas over untyped). */
interface SchemaNode {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, SchemaNode | undefined>;
  enum?: unknown[];
  minItems?: number;
  maxItems?: number;
}

function isSchemaNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `/callbacks/0/patience` → `callbacks[0].patience`. */
function toPath(prefix: string, instancePath: string): string {
  let path = prefix;
  for (const part of instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : path ? `.${key}` : key;
  }
  return path;
}

/** One line for the most specific ajv error: path, problem, value, what is allowed. */
export function formatAjvErrors(errors: ErrorObject[], prefix: string): BatchtuneError {
  // An unknown key outside any fork is a plain typo: say so first.
  const forks = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const typo = errors.find((e) => e.keyword === 'additionalProperties' && !forks.some((f) => e.schemaPath.startsWith(`${f.schemaPath}/`)));
  const fork = deepestFork(forks);
  if (fork && !typo) return formatFork(fork, errors, prefix);
  // Prefer an unknown key (a typo), then the deepest error.
  const ranked = [...errors].sort((a, b) => rank(b) - rank(a));
  const error = ranked[0];
  if (!error) return configError(prefix, 'is invalid');
  const path = toPath(prefix, error.instancePath);
  const params = error.params;
  switch (error.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const key = params.additionalProperty as string;
      const parent: unknown = error.parentSchema;
      const allowed = Object.keys((isSchemaNode(parent) && parent.properties) || {}).filter((k) => k !== '$schema');
      const where = path ? `${path}.${key}` : key;
      return configError(where, `unknown key${didYouMean(key, allowed)}; allowed: ${allowed.join(', ') || '(none)'}`);
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const where = path ? `${path}.${missing}` : missing;
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
    case 'minLength':
      return configError(path, params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters`, error.data);
    case 'minItems':
    case 'maxItems': {
      const parent = error.parentSchema as { minItems?: number; maxItems?: number } | undefined;
      const exact = parent?.minItems !== undefined && parent.minItems === parent.maxItems;
      const bound = exact ? 'exactly' : error.keyword === 'minItems' ? 'at least' : 'at most';
      return configError(path, `must list ${bound} ${params.limit} value${params.limit === 1 ? '' : 's'}`, error.data);
    }
    default:
      return configError(path, error.message ?? 'is invalid', error.data);
  }
}

/** The deepest of the failed `oneOf`/`anyOf`s: its branches say which forms the value may take. */
function deepestFork(forks: ErrorObject[]): ErrorObject | undefined {
  let found: ErrorObject | undefined;
  for (const error of forks) {
    if (Array.isArray(error.schema)) {
      if (!found || error.instancePath.split('/').length > found.instancePath.split('/').length) found = error;
    }
  }
  return found;
}

/**
 * A value that fits none of several forms. When the value picks a form (by its key, e.g.
 * `{ "uniform": ... }`, or by its JSON type) the message names what is wrong inside that form;
 * otherwise it lists the forms, e.g. `must be one of { "choice": [...] }, { "int": [lo, hi] }`.
 */
function formatFork(fork: ErrorObject, errors: ErrorObject[], prefix: string): BatchtuneError {
  const branches = (fork.schema as unknown[]).map((b) => (isSchemaNode(b) ? b : {}));
  const data = fork.data;
  const picked = pickBranch(branches, data);
  if (picked >= 0) {
    const inside = errors.filter((e) => e.schemaPath.startsWith(`${fork.schemaPath}/${picked}/`));
    if (inside.length) return formatAjvErrors(inside, prefix);
  }
  const path = toPath(prefix, fork.instancePath);
  const keys = branches.flatMap((b) => (b.type === 'object' && Array.isArray(b.required) ? b.required : []));
  const unknown = isPlainObject(data) ? Object.keys(data).find((k) => !keys.includes(k)) : undefined;
  const hint = unknown === undefined ? '' : didYouMean(unknown, keys);
  return configError(path, `must be one of ${branches.map(describeForm).join(', ')}${hint}`, data);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;
}

/** The branch a value means: the object form whose required keys it has, else the only one of its type; -1 if none. */
function pickBranch(branches: SchemaNode[], data: unknown): number {
  if (isPlainObject(data)) {
    const keyed = branches
      .map((b, i) => [b, i] as const)
      .filter(([b]) => Array.isArray(b.required) && b.required.length > 0 && b.required.every((k) => k in data));
    const only = keyed.length === 1 ? keyed[0] : undefined;
    if (only) return only[1];
  }
  const type = jsonType(data);
  const typed = branches
    .map((b, i) => [b, i] as const)
    .filter(([b]) => [b.type].flat().some((t) => t === type || (t === 'number' && type === 'integer')));
  const only = typed.length === 1 ? typed[0] : undefined;
  return only ? only[1] : -1;
}

/** One form for a message: `{ "int": [lo, hi] }`, `{ "choice": [...] }`, `a number`, `a list`. */
function describeForm(form: SchemaNode): string {
  if (form.type === 'object' && Array.isArray(form.required) && form.required.length) {
    const shapes = form.required.map((key) => {
      const item = form.properties?.[key];
      const shape =
        item?.type === 'array'
          ? item.minItems === 2 && item.maxItems === 2
            ? '[lo, hi]'
            : '[...]'
          : [item?.type ?? 'value'].flat().join(',');
      return `${JSON.stringify(key)}: ${shape}`;
    });
    return `{ ${shapes.join(', ')} }`;
  }
  if (form.type === 'array') return 'a list';
  if (form.enum) return form.enum.map((v: unknown) => showValue(v)).join('|');
  return form.type ? `a ${[form.type].flat().join(' or ')}` : 'a value';
}

function rank(error: ErrorObject): number {
  const depth = error.instancePath.split('/').length;
  if (error.keyword === 'additionalProperties') return 1000 + depth;
  if (error.keyword === 'anyOf' || error.keyword === 'oneOf') return depth * 10 - 5;
  return depth * 10;
}

/** Checks a plugin's options against its schema, filling defaults. Returns the options with `type`. */
export function validatePluginOptions(definition: PluginDefinition, ref: PluginRef, path: string): PluginRef {
  let validate = compiledOptions.get(definition);
  if (!validate) {
    validate = ajv.compile({
      ...definition.schema,
      additionalProperties: definition.schema.additionalProperties ?? false,
      properties: { type: { type: 'string' }, ...definition.schema.properties },
    });
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
    throw configError(
      'strategy',
      'cannot be given with "sampler" or "scheduler": a strategy is a preset of both; give either the preset or the pair',
      config.strategy,
    );
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
    await definition.check?.(options, pluginEnv, path);
    validated.push(options);
  }
  const [strategy, trainer, executor, sampler, scheduler] = validated;
  if (!strategy || !trainer || !executor || (composed && (!sampler || !scheduler))) {
    throw new Error(`resolveConfig validated ${validated.length} plugins, fewer than it checked`);
  }
  resolved.strategy = strategy;
  resolved.trainer = trainer;
  resolved.executor = executor;
  const pair = composed ? 2 : 0;
  if (composed && sampler && scheduler) {
    resolved.sampler = sampler;
    resolved.scheduler = scheduler;
    // The engine sees one strategy: the built-in "compose" strategy pairs them (strategies/compose.ts).
    resolved.strategy = { type: 'compose', sampler, scheduler };
  }
  resolved.callbacks = validated.slice(3 + pair);
  return resolved;
}
