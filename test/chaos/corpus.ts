/**
 * The bad-input corpus: configs and data files a user might write by mistake, each with the one
 * line batchtune must answer (exit 2). Written to a temp dir by `writeCorpus`, so the repository
 * holds no binary fixtures; `{dir}` in an expected message stands for that dir.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { deleteAt, setAt, type JsonPath } from '../helpers/json-path.ts';
import { knownTable } from '../helpers/tabular.ts';
import type { TabularFile } from '../../plugins/trainers/tabular-file.ts';

export type Area = 'config' | 'space' | 'plugin options' | 'csv data' | 'idx data' | 'tabular file' | 'usage';

export interface CorpusCase {
  area: Area;
  name: string;
  /** The command line after `batchtune`; `{config}` is the case's config file. */
  args: string[];
  /** The config (an object, or raw text for files that are not JSON). */
  config?: object | string;
  /** Data files the case writes next to its config. */
  files?: Record<string, string | Buffer>;
  /** The exact line on stderr, without `batchtune: ` and the newline. */
  expected: string;
}

const tabular = { type: 'tabular', file: 'curves.json' };
const base = { seed: 1, budget: { limit: 1e6 }, strategy: { type: 'grid' }, trainer: tabular };
const FORMS = '{ "choice": [...] }, { "int": [lo, hi] }, { "uniform": [lo, hi] }, { "loguniform": [lo, hi] }';

// ---- tfjs data: tiny, real files of every kind ------------------------------------------------------

function csvRows(rows: number): string {
  const lines = ['a,b,y'];
  for (let i = 0; i < rows; i++) lines.push(`${(i % 7) / 7},${(i % 5) / 5},${i % 2}`);
  return `${lines.join('\n')}\n`;
}

function idx(magic: number, dims: number[], fill: (i: number) => number): Buffer {
  const size = dims.reduce((a, b) => a * b, 1);
  const bytes = Buffer.alloc(4 + 4 * dims.length + size);
  bytes.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => bytes.writeUInt32BE(d, 4 + 4 * i));
  for (let i = 0; i < size; i++) bytes[4 + 4 * dims.length + i] = fill(i);
  return bytes;
}

const IMAGES = idx(0x803, [40, 4, 4], (i) => (i * 37) % 256);
const LABELS = idx(0x801, [40], (i) => i % 3);

/** A tfjs config reading `data`; `trainer` overrides the trainer's own options. */
function tfjs(data: object, trainer: object = {}): object {
  return {
    seed: 1,
    budget: { limit: 400 },
    strategy: { type: 'grid', maxResource: 40 },
    space: { batchSize: [8] },
    trainer: { type: 'tfjs', backend: 'cpu', task: 'classification', model: { type: 'linear' }, data, ...trainer },
  };
}

function csvCase(name: string, text: string, expected: string, data: object = {}, args = ['validate', '{config}']): CorpusCase {
  return {
    area: 'csv data',
    name,
    args,
    config: tfjs({ type: 'csv', path: 'data.csv', label: 'y', ...data }),
    files: { 'data.csv': text },
    expected,
  };
}

function idxCase(name: string, images: Buffer, labels: Buffer, expected: string, args = ['validate', '{config}'], gz = false): CorpusCase {
  const [i, l] = gz ? ['images.idx.gz', 'labels.idx.gz'] : ['images.idx', 'labels.idx'];
  return {
    area: 'idx data',
    name,
    args,
    config: tfjs({ type: 'idx', images: i, labels: l }),
    files: { [i]: gz ? gzipSync(images) : images, [l]: gz ? gzipSync(labels) : labels },
    expected,
  };
}

// ---- tabular files ---------------------------------------------------------------------------------

/** A case whose curves file is the known table after `damage`, or the text given instead. */
function tabularCase(name: string, damage: string | ((table: TabularFile) => void), expected: string): CorpusCase {
  let text: string;
  if (typeof damage === 'string') text = damage;
  else {
    const table = knownTable();
    damage(table);
    text = JSON.stringify(table);
  }
  return { area: 'tabular file', name, args: ['validate', '{config}'], config: base, files: { 'curves.json': text }, expected };
}

const setting = (path: JsonPath, value: unknown) => (table: TabularFile) => {
  setAt(table, path, value);
};
const without = (path: JsonPath) => (table: TabularFile) => {
  deleteAt(table, path);
};

export function corpus(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const curves = { 'curves.json': JSON.stringify(knownTable()) };
  const config = (area: Area, name: string, body: object | string, expected: string) =>
    cases.push({ area, name, args: ['validate', '{config}'], config: body, files: curves, expected });

  // ---- the config itself ----
  config(
    'config',
    'not JSON',
    '{"seed": 1,',
    '{dir}/config.json: not valid JSON: Expected double-quoted property name in JSON at position 11',
  );
  config('config', 'a JSON array', '[1, 2]', '(config): must be a JSON object (got [1,2])');
  config(
    'config',
    'a typo at the top',
    { ...base, budjet: { limit: 1 } },
    'budjet: unknown key (did you mean "budget"?); allowed: name, seed, objective, budget, resource, space, strategy, sampler, scheduler, trainer, callbacks, executor, concurrency, timeouts, plugins',
  );
  config('config', 'no budget', { seed: 1, strategy: { type: 'grid' }, trainer: tabular }, 'budget: is required');
  config('config', 'no trainer', { seed: 1, budget: { limit: 1 }, strategy: { type: 'grid' } }, 'trainer: is required');
  config('config', 'a strategy that is null', { ...base, strategy: null }, 'strategy: must be object (got null)');
  config('config', 'budget without a limit', { ...base, budget: {} }, 'budget.limit: is required');
  config('config', 'a negative budget', { ...base, budget: { limit: -5 } }, 'budget.limit: must be > 0 (got -5)');
  config('config', 'a zero budget', { ...base, budget: { limit: 0 } }, 'budget.limit: must be > 0 (got 0)');
  config('config', 'a budget limit as text', { ...base, budget: { limit: '1e6' } }, 'budget.limit: must be number (got "1e6")');
  config(
    'config',
    'an unknown budget unit',
    { ...base, budget: { unit: 'epochs', limit: 5 } },
    'budget.unit: must be one of "examples", "steps", "seconds", "trials" (got "epochs")',
  );
  config('config', 'a seed as text', { ...base, seed: 'one' }, 'seed: must be integer (got "one")');
  config('config', 'a fractional seed', { ...base, seed: 1.5 }, 'seed: must be integer (got 1.5)');
  config('config', 'zero concurrency', { ...base, concurrency: 0 }, 'concurrency: must be >= 1 (got 0)');
  config(
    'config',
    'an unknown resource',
    { ...base, resource: 'epochs' },
    'resource: must be one of "examples", "steps", "seconds" (got "epochs")',
  );
  config('config', 'an objective without a metric', { ...base, objective: { mode: 'max' } }, 'objective.metric: is required');
  config(
    'config',
    'an objective mode that is not min or max',
    { ...base, objective: { metric: 'val_acc', mode: 'up' } },
    'objective.mode: must be one of "min", "max" (got "up")',
  );
  config('config', 'plugins as a string', { ...base, plugins: './x.js' }, 'plugins: must be array (got "./x.js")');
  config('config', 'an empty plugin path', { ...base, plugins: [''] }, 'plugins[0]: must not be empty (got "")');
  config(
    'config',
    'callbacks as an object',
    { ...base, callbacks: { type: 'early-stopping' } },
    'callbacks: must be array (got {"type":"early-stopping"})',
  );

  // ---- plugins and their options ----
  config(
    'plugin options',
    'an unknown strategy',
    { ...base, strategy: { type: 'gird' } },
    'strategy.type: unknown strategy "gird" (did you mean "grid"?); known: asha, batch-increase, compose, grid, hyperband, random, successive-halving',
  );
  config(
    'plugin options',
    'an unknown trainer',
    { ...base, trainer: { type: 'tabularr', file: 'curves.json' } },
    'trainer.type: unknown trainer "tabularr" (did you mean "tabular"?); known: process, tabular, tfjs',
  );
  config(
    'plugin options',
    'an unknown executor',
    { ...base, executor: { type: 'cluster' } },
    'executor.type: unknown executor "cluster"; known: inline, pool, redis',
  );
  config(
    'plugin options',
    'an unknown callback',
    { ...base, callbacks: [{ type: 'early-stop' }] },
    'callbacks[0].type: unknown callback "early-stop"; known: divergence, early-stopping, target-reached, time-limit',
  );
  config('plugin options', 'a strategy without a type', { ...base, strategy: { maxResource: 5 } }, 'strategy.type: is required');
  config(
    'plugin options',
    'a grid option typo',
    { ...base, strategy: { type: 'grid', maxResourse: 10 } },
    'strategy.maxResourse: unknown key (did you mean "maxResource"?); allowed: type, maxResource',
  );
  config(
    'plugin options',
    'a negative maxResource',
    { ...base, strategy: { type: 'grid', maxResource: -5 } },
    'strategy.maxResource: must be > 0 (got -5)',
  );
  config(
    'plugin options',
    'random nTrials zero',
    { ...base, strategy: { type: 'random', nTrials: 0 } },
    'strategy.nTrials: must be >= 1 (got 0)',
  );
  config(
    'plugin options',
    'random nTrials fractional',
    { ...base, strategy: { type: 'random', nTrials: 2.5 } },
    'strategy.nTrials: must be integer (got 2.5)',
  );
  config(
    'plugin options',
    'asha reductionFactor 1',
    { ...base, strategy: { type: 'asha', minResource: 1000, reductionFactor: 1 } },
    'strategy.reductionFactor: must be >= 2 (got 1)',
  );
  config(
    'plugin options',
    'asha minResource as text',
    { ...base, strategy: { type: 'asha', minResource: 'small' } },
    'strategy.minResource: must be number (got "small")',
  );
  config(
    'plugin options',
    'hyperband unknown option',
    { ...base, strategy: { type: 'hyperband', minResource: 1000, eta: 3 } },
    'strategy.eta: unknown key; allowed: type, minResource, maxResource, reductionFactor, iterations',
  );
  config(
    'plugin options',
    'successive halving nConfigs zero',
    { ...base, strategy: { type: 'successive-halving', minResource: 1000, nConfigs: 0 } },
    'strategy.nConfigs: must be >= 1 (got 0)',
  );
  config(
    'plugin options',
    'early stopping patience as text',
    { ...base, callbacks: [{ type: 'early-stopping', patience: 'x' }] },
    'callbacks[0].patience: must be integer (got "x")',
  );
  config(
    'plugin options',
    'target-reached without a target',
    { ...base, callbacks: [{ type: 'target-reached' }] },
    'callbacks[0].target: is required',
  );
  config('plugin options', 'tabular without a file', { ...base, trainer: { type: 'tabular' } }, 'trainer.file: is required');
  config(
    'plugin options',
    'tabular file that does not exist',
    { ...base, trainer: { type: 'tabular', file: 'missing.json' } },
    'trainer.file: file not found: {dir}/missing.json (got "missing.json")',
  );
  config(
    'plugin options',
    'tabular with an unknown option',
    { ...base, trainer: { ...tabular, replay: true } },
    'trainer.replay: unknown key; allowed: type, file',
  );
  config('plugin options', 'tfjs csv without a label', tfjs({ type: 'csv', path: 'data.csv' }), 'trainer.data.label: is required');
  config(
    'plugin options',
    'tfjs unknown data type',
    tfjs({ type: 'parquet', path: 'data.parquet' }),
    'trainer.data.type: must be one of "mnist", "idx", "csv", "module" (got "parquet")',
  );
  config(
    'plugin options',
    'tfjs csv file that does not exist',
    tfjs({ type: 'csv', path: 'missing.csv', label: 'y' }),
    'trainer.data.path: file not found (got "missing.csv")',
  );
  config(
    'plugin options',
    'tfjs idx labels that do not exist',
    tfjs({ type: 'idx', images: 'missing-images.idx', labels: 'missing-labels.idx' }),
    'trainer.data.images: file not found (got "missing-images.idx")',
  );
  config(
    'plugin options',
    'tfjs an unknown backend',
    tfjs({ type: 'mnist' }, { backend: 'cuda' }),
    'trainer.backend: must be one of "auto", "tfjs-node-gpu", "tfjs-node", "webgpu", "wasm", "cpu" (got "cuda")',
  );

  // ---- the search space ----
  const space = (name: string, s: object, expected: string) => config('space', name, { ...base, space: s }, expected);
  space(
    'a misspelt distribution',
    { params: { dropout: { uniformm: [0, 1] } } },
    `space.params.dropout: must be one of ${FORMS} (did you mean "uniform"?) (got {"uniformm":[0,1]})`,
  );
  space('a bare number as a param', { params: { dropout: 0.5 } }, `space.params.dropout: must be one of ${FORMS} (got 0.5)`);
  space('an empty param', { params: { dropout: {} } }, `space.params.dropout: must be one of ${FORMS} (got {})`);
  space('a param as a list', { params: { width: [64, 128] } }, `space.params.width: must be one of ${FORMS} (got [64,128])`);
  space(
    'uniform with one bound',
    { params: { dropout: { uniform: [0] } } },
    'space.params.dropout.uniform: must list exactly 2 values (got [0])',
  );
  space(
    'uniform with three bounds',
    { params: { dropout: { uniform: [0, 0.5, 1] } } },
    'space.params.dropout.uniform: must list exactly 2 values (got [0,0.5,1])',
  );
  space(
    'uniform bounds as text',
    { params: { dropout: { uniform: ['0', 1] } } },
    'space.params.dropout.uniform[0]: must be number (got "0")',
  );
  space(
    'uniform low above high',
    { params: { dropout: { uniform: [0.9, 0.1] } } },
    'space.params.dropout.uniform: needs [low, high] with low <= high (got [0.9,0.1])',
  );
  space('loguniform from zero', { params: { lr: { loguniform: [0, 1] } } }, 'space.params.lr.loguniform[0]: must be > 0 (got 0)');
  space('loguniform negative', { params: { lr: { loguniform: [-1, 1] } } }, 'space.params.lr.loguniform[0]: must be > 0 (got -1)');
  space('int with a fractional bound', { params: { width: { int: [1.5, 3] } } }, 'space.params.width.int[0]: must be integer (got 1.5)');
  space('int with step zero', { params: { width: { int: [1, 3], step: 0 } } }, 'space.params.width.step: must be >= 1 (got 0)');
  space(
    'int low above high',
    { params: { width: { int: [8, 2] } } },
    'space.params.width.int: needs [low, high] with low <= high (got [8,2])',
  );
  space('an empty choice', { params: { act: { choice: [] } } }, 'space.params.act.choice: must list at least 1 value (got [])');
  space(
    'a choice of objects',
    { params: { act: { choice: [{ a: 1 }] } } },
    'space.params.act.choice[0]: must be number or string or boolean (got {"a":1})',
  );
  space(
    'a distribution with an extra key',
    { params: { d: { uniform: [0, 1], log: true } } },
    'space.params.d.log: unknown key; allowed: uniform',
  );
  space('a batch size as text', { batchSize: 'big' }, 'space.batchSize: must be one of a list, { "powersOfTwo": [lo, hi] } (got "big")');
  space('an empty batch size list', { batchSize: [] }, 'space.batchSize: must list at least 1 value (got [])');
  space('a zero batch size', { batchSize: [0, 8] }, 'space.batchSize[0]: must be >= 1 (got 0)');
  space('a fractional batch size', { batchSize: [8.5] }, 'space.batchSize[0]: must be integer (got 8.5)');
  space(
    'powersOfTwo with no power of two',
    { batchSize: { powersOfTwo: [5, 7] } },
    'space.batchSize: gives no batch size; powersOfTwo needs a power of two in [lo, hi] (got {"powersOfTwo":[5,7]})',
  );
  space(
    'powersOfTwo with one bound',
    { batchSize: { powersOfTwo: [8] } },
    'space.batchSize.powersOfTwo: must list exactly 2 values (got [8])',
  );
  space(
    'an unknown learning-rate scale',
    { learningRate: { base: 0.1, scale: 'cubic' } },
    'space.learningRate.scale: must be one of "linear", "sqrt", "none" (got "cubic")',
  );
  space('a negative learning rate', { learningRate: -0.1 }, 'space.learningRate: must be > 0 (got -0.1)');
  space(
    'a learning rate as text',
    { learningRate: 'fast' },
    'space.learningRate: must be one of a number, a list, { "base": number } (got "fast")',
  );
  space('a learning-rate rule without a base', { learningRate: { scale: 'linear' } }, 'space.learningRate.base: is required');
  space('an empty configs list', { configs: [] }, 'space.configs: must list at least 1 value (got [])');
  space(
    'a grid over a continuous param',
    { batchSize: [8], learningRate: 0.1, params: { x: { uniform: [0, 1] } } },
    'space.params.x: a grid needs a finite domain (choice or int), not a continuous one (got {"uniform":[0,1]})',
  );

  // ---- CSV data ----
  cases.push(
    csvCase('an empty file', '', 'tfjs failed in prepare: trainer.data.path: data.csv is empty; it needs a header row and data rows'),
    csvCase(
      'only blank lines',
      '\n\n\n',
      'tfjs failed in prepare: trainer.data.path: data.csv is empty; it needs a header row and data rows',
    ),
    csvCase(
      'a header and no rows',
      'a,b,y\n',
      'tfjs failed in prepare: trainer.data.path: data.csv has a header but no data rows; add one example per line after it',
    ),
    csvCase(
      'a short row',
      'a,b,y\n1,2,0\n3,1\n',
      'tfjs failed in prepare: trainer.data.path: data.csv line 3 has 2 cells but the header has 3; give every row one cell per column (a, b, y)',
    ),
    csvCase(
      'a long row',
      'a,b,y\n1,2,0\n3,1,0,9\n',
      'tfjs failed in prepare: trainer.data.path: data.csv line 3 has 4 cells but the header has 3; give every row one cell per column (a, b, y)',
    ),
    csvCase(
      'a ragged row deep in the file',
      `${csvRows(50)}1,2\n`,
      'tfjs failed in prepare: trainer.data.path: data.csv line 52 has 2 cells but the header has 3; give every row one cell per column (a, b, y)',
    ),
    csvCase(
      'a word in a feature',
      'a,b,y\n1,2,0\n3,abc,1\n',
      'tfjs failed in prepare: trainer.data.path: data.csv line 3, column "b": "abc" is not a number; every cell after the header must be a finite number',
    ),
    csvCase(
      'a word as a label',
      'a,b,y\n1,2,0\n3,4,cat\n',
      'tfjs failed in prepare: trainer.data.path: data.csv line 3, column "y": "cat" is not a number; every cell after the header must be a finite number',
    ),
    csvCase(
      'an empty cell',
      'a,b,y\n1,,0\n3,4,1\n',
      'tfjs failed in prepare: trainer.data.path: data.csv line 2, column "b": "" is not a number; every cell after the header must be a finite number',
    ),
    csvCase(
      'NaN in a cell',
      'a,b,y\n1,NaN,0\n3,4,1\n',
      'tfjs failed in prepare: trainer.data.path: data.csv line 2, column "b": "NaN" is not a number; every cell after the header must be a finite number',
    ),
    csvCase(
      'Infinity in a cell',
      'a,b,y\nInfinity,2,0\n3,4,1\n',
      'tfjs failed in prepare: trainer.data.path: data.csv line 2, column "a": "Infinity" is not a number; every cell after the header must be a finite number',
    ),
    csvCase(
      'a semicolon-separated file',
      'a;b;y\n1;2;0\n3;4;1\n',
      'tfjs failed in prepare: trainer.data.label: column "y" not found in data.csv; its columns are: a;b;y',
    ),
    csvCase(
      'a missing label column',
      'a,b,c\n1,2,0\n3,4,1\n',
      'tfjs failed in prepare: trainer.data.label: column "y" not found in data.csv; its columns are: a, b, c',
    ),
    csvCase(
      'only the label column',
      'y\n0\n1\n',
      'tfjs failed in prepare: trainer.data.path: data.csv has only the label column; it needs feature columns too',
    ),
    csvCase(
      'a fractional class label',
      'a,b,y\n1,2,0\n3,1,0.5\n',
      'tfjs failed in prepare: trainer.data: row 2 of data.csv has label 0.5; classification needs integer classes 0, 1, 2, ...',
    ),
    csvCase(
      'a negative class label',
      'a,b,y\n1,2,0\n3,1,-1\n',
      'tfjs failed in prepare: trainer.data: row 2 of data.csv has label -1; classification needs integer classes 0, 1, 2, ...',
    ),
    csvCase(
      'a single class',
      csvRows(20).replace(/,1\n/g, ',0\n'),
      'tfjs failed in prepare: trainer.data: data.csv has a single class (0); classification needs at least two',
    ),
    csvCase(
      'train + validation larger than the data',
      csvRows(40),
      'tfjs failed in prepare: trainer.data: train (90) + validation (20) need 110 examples but data.csv has 40; lower trainer.data.train or .validation',
      { train: 90, validation: 20 },
    ),
    csvCase(
      'validation alone larger than the data',
      csvRows(40),
      'tfjs failed in prepare: trainer.data: validation (50) leaves no examples to train on: data.csv has 40; lower trainer.data.validation',
      { validation: 50 },
    ),
    csvCase(
      'a bad row, through run',
      'a,b,y\n1,2,0\n3,1\n',
      'tfjs failed in prepare: trainer.data.path: data.csv line 3 has 2 cells but the header has 3; give every row one cell per column (a, b, y)',
      {},
      ['run', '{config}', '--journal', '{dir}/run.jsonl'],
    ),
    csvCase(
      'a split larger than the data, through run',
      csvRows(40),
      'tfjs failed in prepare: trainer.data: train (90) + validation (20) need 110 examples but data.csv has 40; lower trainer.data.train or .validation',
      { train: 90, validation: 20 },
      ['run', '{config}', '--journal', '{dir}/run.jsonl'],
    ),
  );

  // ---- IDX data ----
  const truncated = (b: Buffer, n: number) => b.subarray(0, n);
  cases.push(
    idxCase(
      'an empty images file',
      Buffer.alloc(0),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx ends at byte 0, before its 4-byte magic number; it is empty or truncated: use the full IDX images file',
    ),
    idxCase(
      'images cut inside the magic number',
      truncated(IMAGES, 3),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx ends at byte 3, before its 4-byte magic number; it is empty or truncated: use the full IDX images file',
    ),
    idxCase(
      'images cut inside the header',
      truncated(IMAGES, 10),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx ends at byte 10, inside its 16-byte header; the file is truncated: use the full IDX images file',
    ),
    idxCase(
      'images cut inside the data',
      truncated(IMAGES, 300),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx ends at byte 300 but its header [40,4,4] needs 656 bytes; the file is truncated: use the full file',
    ),
    idxCase(
      'images with bytes after the data',
      Buffer.concat([IMAGES, Buffer.from([1, 2, 3])]),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx ends at byte 659 but its header [40,4,4] needs 656 bytes; it has extra bytes after the data: use an unmodified IDX file',
    ),
    idxCase(
      'labels cut inside the data',
      IMAGES,
      truncated(LABELS, 20),
      'tfjs failed in prepare: trainer.data.labels: labels.idx ends at byte 20 but its header [40] needs 48 bytes; the file is truncated: use the full file',
    ),
    idxCase(
      'an empty labels file',
      IMAGES,
      Buffer.alloc(0),
      'tfjs failed in prepare: trainer.data.labels: labels.idx ends at byte 0, before its 4-byte magic number; it is empty or truncated: use the full IDX labels file',
    ),
    idxCase(
      'images and labels swapped',
      LABELS,
      IMAGES,
      'tfjs failed in prepare: trainer.data.images: images.idx byte 0: magic number 0x00000801 is not 0x00000803 (IDX images); it looks like an IDX labels file: are images and labels swapped?',
    ),
    idxCase(
      'labels given as images',
      IMAGES,
      IMAGES,
      'tfjs failed in prepare: trainer.data.labels: labels.idx byte 0: magic number 0x00000803 is not 0x00000801 (IDX labels); it looks like an IDX images file: are images and labels swapped?',
    ),
    idxCase(
      'a PNG instead of IDX',
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx byte 0: magic number 0x89504e47 is not 0x00000803 (IDX images); it is not an IDX file of unsigned bytes',
    ),
    idxCase(
      'a text file instead of IDX',
      Buffer.from('a,b,y\n1,2,0\n'),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx byte 0: magic number 0x612c622c is not 0x00000803 (IDX images); it is not an IDX file of unsigned bytes',
    ),
    idxCase(
      'float IDX images (0x0d type)',
      idx(0x0d03, [40, 4, 4], () => 0),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx byte 0: magic number 0x00000d03 is not 0x00000803 (IDX images); it is not an IDX file of unsigned bytes',
    ),
    idxCase(
      'little-endian magic',
      Buffer.concat([Buffer.from([3, 8, 0, 0]), IMAGES.subarray(4)]),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx byte 0: magic number 0x03080000 is not 0x00000803 (IDX images); it is not an IDX file of unsigned bytes',
    ),
    idxCase(
      'fewer labels than images',
      IMAGES,
      idx(0x801, [39], (i) => i % 3),
      'tfjs failed in prepare: trainer.data: 40 images in images.idx but 39 labels in labels.idx; the counts must match',
    ),
    idxCase(
      'gzip: images cut inside the data',
      gzipSync(IMAGES).subarray(0, 30),
      gzipSync(LABELS),
      'tfjs failed in prepare: trainer.data.images: images.idx starts like gzip but does not decompress (unexpected end of file, 30 bytes compressed); it is truncated or damaged: use the full .gz file',
    ),
    idxCase(
      'gzip: an empty gzip stream',
      gzipSync(Buffer.alloc(0)),
      gzipSync(LABELS),
      'tfjs failed in prepare: trainer.data.images: images.idx (decompressed) ends at byte 0, before its 4-byte magic number; it is empty or truncated: use the full IDX images file',
    ),
    idxCase(
      'gzip: images and labels swapped',
      LABELS,
      IMAGES,
      'tfjs failed in prepare: trainer.data.images: images.idx.gz (decompressed) byte 0: magic number 0x00000801 is not 0x00000803 (IDX images); it looks like an IDX labels file: are images and labels swapped?',
      undefined,
      true,
    ),
    idxCase(
      'gzip: truncated data inside a whole stream',
      truncated(IMAGES, 400),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx.gz (decompressed) ends at byte 400 but its header [40,4,4] needs 656 bytes; the file is truncated: use the full file',
      undefined,
      true,
    ),
    idxCase(
      'gzip: labels cut inside the header',
      IMAGES,
      truncated(LABELS, 6),
      'tfjs failed in prepare: trainer.data.labels: labels.idx.gz (decompressed) ends at byte 6, inside its 8-byte header; the file is truncated: use the full IDX labels file',
      undefined,
      true,
    ),
    idxCase(
      'a truncated file, through run',
      truncated(IMAGES, 300),
      LABELS,
      'tfjs failed in prepare: trainer.data.images: images.idx ends at byte 300 but its header [40,4,4] needs 656 bytes; the file is truncated: use the full file',
      ['run', '{config}', '--journal', '{dir}/run.jsonl'],
    ),
  );

  // ---- tabular files ----
  cases.push(
    tabularCase(
      'not JSON',
      '{"metric": "val_acc",',
      'trainer.file: curves.json is not valid JSON: Expected double-quoted property name in JSON at position 21',
    ),
    tabularCase('an empty file', '', 'trainer.file: curves.json is not valid JSON: Unexpected end of JSON input'),
    tabularCase('no metric', without(['metric']), 'trainer.file: curves.json: metric: is required'),
    tabularCase('an unknown mode', setting(['mode'], 'up'), 'trainer.file: curves.json: mode: must be one of "min", "max" (got "up")'),
    tabularCase('no configs', setting(['configs'], []), 'trainer.file: curves.json: configs: must list at least 1 value (got [])'),
    tabularCase('a config without params', without(['configs', 0, 'params']), 'trainer.file: curves.json: configs[0].params: is required'),
    tabularCase(
      'a zero batch size',
      setting(['configs', 0, 'params', 'batchSize'], 0),
      'trainer.file: curves.json: configs[0].params.batchSize: must be >= 1 (got 0)',
    ),
    tabularCase(
      'a config without curves',
      setting(['configs', 1, 'curves'], []),
      'trainer.file: curves.json: configs[1].curves: must list at least 1 value (got [])',
    ),
    tabularCase(
      'an empty curve',
      setting(['configs', 1, 'curves'], [[]]),
      'trainer.file: curves.json: configs[1].curves[0]: must list at least 1 value (got [])',
    ),
    tabularCase(
      'a point without examples',
      without(['configs', 1, 'curves', 0, 2, 'examples']),
      'trainer.file: curves.json: configs[1].curves[0][2].examples: is required',
    ),
    tabularCase(
      'examples as text',
      setting(['configs', 1, 'curves', 0, 2, 'examples'], 'many'),
      'trainer.file: curves.json: configs[1].curves[0][2].examples: must be number (got "many")',
    ),
    tabularCase(
      'negative seconds',
      setting(['configs', 2, 'curves', 0, 1, 'seconds'], -1),
      'trainer.file: curves.json: configs[2].curves[0][1].seconds: must be >= 0 (got -1)',
    ),
    tabularCase(
      'a metric as text',
      setting(['configs', 0, 'curves', 0, 0, 'metrics', 'val_acc'], 'high'),
      'trainer.file: curves.json: configs[0].curves[0][0].metrics.val_acc: must be number or null (got "high")',
    ),
    tabularCase(
      'a curve that goes backwards',
      setting(['configs', 1, 'curves', 0, 3, 'examples'], 10),
      'trainer.file: curves.json: configs[1].curves[0][3].examples goes backwards (10 after 6000); points must be cumulative and in order',
    ),
    tabularCase(
      'a curve whose steps go backwards',
      setting(['configs', 3, 'curves', 0, 4, 'steps'], 0),
      'trainer.file: curves.json: configs[3].curves[0][4].steps goes backwards (0 after 16); points must be cumulative and in order',
    ),
  );

  // ---- the command line ----
  const usage = (name: string, args: string[], expected: string) =>
    cases.push({ area: 'usage', name, args, config: base, files: { 'curves.json': JSON.stringify(knownTable()) }, expected });
  usage(
    'an unknown command',
    ['fly'],
    'unknown command "fly"; known: run, validate, show, schema, noise-scale, profile, report, export, record, worker',
  );
  usage('validate without a config', ['validate'], 'missing <config.json>');
  usage('run without a config', ['run'], 'missing <config.json>');
  usage('a config file that does not exist', ['validate', '{dir}/nope.json'], '{dir}/nope.json: config file not found');
  usage(
    'an unknown option',
    ['run', '{config}', '--wat'],
    'run: unknown option --wat; valid: --journal, -r/--resume, --seed, -j/--json, -q/--quiet, -h/--help, --debug (see batchtune run --help)',
  );
  usage('a seed that is not a number', ['validate', '{config}', '--seed', 'x'], '--seed: must be a whole number >= 0 (got "x")');
  usage('show without a journal', ['show'], 'missing <journal.jsonl>');
  usage('show a journal that does not exist', ['show', '{dir}/nope.jsonl'], '{dir}/nope.jsonl: journal not found');
  usage('two configs', ['validate', '{config}', '{config}'], 'unexpected argument "{dir}/config.json"');
  return cases;
}

/** Writes a case's config and files into `dir`; returns the command line with its placeholders filled. */
export function writeCase(c: CorpusCase, dir: string): string[] {
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
  const configPath = join(dir, 'config.json');
  if (c.config !== undefined) writeFileSync(configPath, typeof c.config === 'string' ? c.config : JSON.stringify(c.config));
  return c.args.map((a) => a.replace('{config}', configPath).replace('{dir}', dir));
}
