import { Container } from 'inversify';
import { BatchtuneError, unknownPlugin } from './errors.ts';
import type { DefinitionOf, PluginDefinition, PluginKind } from './plugin.ts';

const TOKENS: Record<PluginKind, symbol> = {
  strategy: Symbol.for('batchtune.strategy'),
  trainer: Symbol.for('batchtune.trainer'),
  callback: Symbol.for('batchtune.callback'),
  executor: Symbol.for('batchtune.executor'),
  sampler: Symbol.for('batchtune.sampler'),
  scheduler: Symbol.for('batchtune.scheduler'),
};

/**
 * Every strategy, trainer, callback and executor a search can name, by kind and name. Backed by an
 * inversify container: a definition is bound to its kind's token under its name, so built-in and user
 * plugins are resolved the same way. That is inversify's whole role here, by choice: a study is composed
 * by one plain function (`buildStudy`), whose parts tests replace by passing their own (an executor, a
 * store, a trainer), which reads more directly than container bindings per study.
 */
export class PluginRegistry {
  private readonly container = new Container();
  /** Named bindings are invisible to an unnamed `getAll`, so the names are kept beside them. */
  private readonly known: Record<PluginKind, Set<string>> = {
    strategy: new Set(),
    trainer: new Set(),
    callback: new Set(),
    executor: new Set(),
    sampler: new Set(),
    scheduler: new Set(),
  };

  register(definition: PluginDefinition): this {
    const token = TOKENS[definition.kind];
    if (this.container.isBound(token, { name: definition.name })) {
      throw new BatchtuneError('CONFIG_INVALID', `a ${definition.kind} named "${definition.name}" is already registered`);
    }
    this.container.bind<PluginDefinition>(token).toConstantValue(definition).whenNamed(definition.name);
    this.known[definition.kind].add(definition.name);
    return this;
  }

  has(kind: PluginKind, name: string): boolean {
    return this.container.isBound(TOKENS[kind], { name });
  }

  /** The definition named `name`, or an error listing the known names (with a did-you-mean). */
  get<K extends PluginKind>(kind: K, name: unknown, path: string): DefinitionOf<K> {
    if (typeof name !== 'string' || !this.has(kind, name)) throw unknownPlugin(kind, name, this.names(kind), path);
    return this.container.get<DefinitionOf<K>>(TOKENS[kind], { name });
  }

  names(kind: PluginKind): string[] {
    return [...this.known[kind]].sort();
  }

  all(kind: PluginKind): PluginDefinition[] {
    return this.names(kind).map((name) => this.get(kind, name, kind));
  }
}
