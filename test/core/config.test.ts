import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildJsonSchema, createRegistry, validateStudy } from '../../index.ts';
import { knownTable, tempDir, writeTabular } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';

const dir = tempDir();
writeTabular(dir, knownTable());
const base = { seed: 1, budget: { limit: 1000 }, strategy: { type: 'grid' }, trainer: { type: 'tabular', file: 'curves.json' } };

async function errorOf(config: unknown): Promise<string> {
  try {
    await validateStudy(config, { baseDir: dir });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('config validation', () => {
  test('a valid config resolves with defaults filled in', async () => {
    const config = await validateStudy(base, { baseDir: dir });
    expect(config.budget).toEqual({ unit: 'examples', limit: 1000 });
    expect(config.resource).toBe('examples');
    expect(config.concurrency).toBeUndefined();
    expect(config.executor).toEqual({ type: 'inline' });
    expect(config.callbacks).toEqual([]);
  });

  test.each([
    [
      { ...base, budjet: { limit: 1 } },
      'budjet: unknown key (did you mean "budget"?); allowed: name, seed, objective, budget, resource, space, strategy, sampler, scheduler, trainer, callbacks, executor, concurrency, timeouts, plugins',
    ],
    [{ ...base, strategy: { type: 'gird' } }, 'strategy.type: unknown strategy "gird" (did you mean "grid"?); known: '],
    [
      { ...base, strategy: { type: 'grid', maxResourse: 10 } },
      'strategy.maxResourse: unknown key (did you mean "maxResource"?); allowed: type, maxResource',
    ],
    [{ ...base, strategy: { type: 'grid', maxResource: -5 } }, 'strategy.maxResource: must be > 0 (got -5)'],
    [
      { ...base, budget: { unit: 'epochs', limit: 5 } },
      'budget.unit: must be one of "examples", "steps", "seconds", "trials" (got "epochs")',
    ],
    [{ ...base, budget: {} }, 'budget.limit: is required'],
    [{ ...base, seed: 'one' }, 'seed: must be integer (got "one")'],
    [{ ...base, concurrency: 0 }, 'concurrency: must be >= 1 (got 0)'],
    [{ ...base, callbacks: [{ type: 'early-stopping', patience: 'x' }] }, 'callbacks[0].patience: must be integer (got "x")'],
    [{ ...base, callbacks: [{ type: 'target-reached' }] }, 'callbacks[0].target: is required'],
    [
      { ...base, trainer: { type: 'tabular', file: 'missing.json' } },
      `trainer.file: file not found: ${join(dir, 'missing.json')} (got "missing.json")`,
    ],
    [{ ...base, trainer: { type: 'tabular' } }, 'trainer.file: is required'],
    [{ ...base, space: { batchSize: 'big' } }, 'space.batchSize: must be one of a list, { "powersOfTwo": [lo, hi] } (got "big")'],
    [
      { ...base, space: { params: { dropout: { uniformm: [0, 1] } } } },
      'space.params.dropout: must be one of { "choice": [...] }, { "int": [lo, hi] }, { "uniform": [lo, hi] }, { "loguniform": [lo, hi] } (did you mean "uniform"?) (got {"uniformm":[0,1]})',
    ],
    [
      { ...base, space: { params: { dropout: 0.5 } } },
      'space.params.dropout: must be one of { "choice": [...] }, { "int": [lo, hi] }, { "uniform": [lo, hi] }, { "loguniform": [lo, hi] } (got 0.5)',
    ],
    [{ ...base, space: { params: { dropout: { uniform: [0] } } } }, 'space.params.dropout.uniform: must list exactly 2 values (got [0])'],
    [{ ...base, space: { params: { width: { int: [1.5, 3] } } } }, 'space.params.width.int[0]: must be integer (got 1.5)'],
    [{ ...base, space: { params: { lr: { loguniform: [0, 1] } } } }, 'space.params.lr.loguniform[0]: must be > 0 (got 0)'],
    [{ ...base, space: { params: { act: { choice: [] } } } }, 'space.params.act.choice: must list at least 1 value (got [])'],
    [{ ...base, space: { params: { width: { int: [1, 3], step: 0 } } } }, 'space.params.width.step: must be >= 1 (got 0)'],
    [{ ...base, space: { params: { d: { uniform: [0, 1], log: true } } } }, 'space.params.d.log: unknown key; allowed: uniform'],
    [{ ...base, spase: {}, space: { params: { d: 5 } } }, 'spase: unknown key (did you mean "space"?)'],
    [
      { ...base, space: { learningRate: { base: 0.1, scale: 'cubic' } } },
      'space.learningRate.scale: must be one of "linear", "sqrt", "none" (got "cubic")',
    ],
    [{ ...base, plugins: ['./nope.js'] }, 'plugins[0]: "./nope.js": no such file'],
    [[1, 2], '(config): must be a JSON object (got [1,2])'],
  ])('%j is rejected with one line naming the field', async (config, message) => {
    const error = await errorOf(config);
    expect(error).toContain(message);
    expect(error).not.toContain('\n');
  });

  test('the strategy checks its options against the trainer when validating', async () => {
    expect(
      await errorOf({
        ...base,
        trainer: { type: 'tabular', file: 'curves.json' },
        strategy: { type: 'grid' },
        space: { batchSize: [8], learningRate: 0.1, params: { x: { uniform: [0, 1] } } },
      }),
    ).toBe('space.params.x: a grid needs a finite domain (choice or int), not a continuous one (got {"uniform":[0,1]})');
  });

  test('a tabular file with a bad point names the file and the place', async () => {
    const table = knownTable();
    (at(at(at(table.configs, 1).curves, 0), 2) as { examples: unknown }).examples = 'many';
    writeTabular(dir, table, 'bad.json');
    const error = await errorOf({ ...base, trainer: { type: 'tabular', file: 'bad.json' } });
    expect(error).toBe('trainer.file: bad.json: configs[1].curves[0][2].examples: must be number (got "many")');
  });

  test('the published JSON Schema is up to date with the registered plugins', () => {
    const published = JSON.parse(readFileSync(new URL('../../schema/batchtune.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(published).toEqual(JSON.parse(JSON.stringify(buildJsonSchema(createRegistry()))));
  });
});
