import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trialSeed } from '../../core/index.ts';
import { main } from '../../bin/cli.ts';
import { recordCurves } from '../../bin/commands/record.ts';
import { loadTabularFile, type TabularFile } from '../../plugins/trainers/tabular-file.ts';
import { curve, tempDir, writeTabular } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

const dir = tempDir('batchtune-record-');

/** Two configurations, two distinct curves each (one per seed), plus a diverged point. */
function source(): TabularFile {
  const make = (b: number, scale: number, tail: number | null) =>
    curve(b, 4000, 4, (f) => ({ val_acc: f === 1 ? tail : scale * f, val_loss: 1 - scale * f }));
  return {
    name: 'src',
    metric: 'val_acc',
    mode: 'max',
    configs: [
      { params: { batchSize: 16, learningRate: 0.1 }, curves: [make(16, 0.9, 0.9), make(16, 0.8, 0.85)] },
      { params: { batchSize: 64, learningRate: 0.1 }, curves: [make(64, 0.7, null), make(64, 0.6, 0.65)] },
    ],
  };
}

describe('batchtune record', () => {
  const src = source();
  const file = writeTabular(dir, src, 'src.json');
  const config = { name: 'rec', seed: 5, budget: { limit: 1 }, strategy: { type: 'asha' }, trainer: { type: 'tabular', file } };

  test('records the grid with one curve per seed, equal to the curves the trainer replayed', async () => {
    const table = await recordCurves(config, { baseDir: dir, seeds: 3 });
    expect(table).toMatchObject({ name: 'rec', metric: 'val_acc', mode: 'max' });
    expect(table.configs.map((c) => c.params)).toEqual(src.configs.map((c) => c.params));
    for (const [trialId, config] of table.configs.entries()) {
      expect(config.curves).toHaveLength(3);
      for (let i = 0; i < 3; i++) {
        // The grid's trial `trialId` of the study seeded 5 + i reads curve trialSeed mod 2 of its configuration.
        const expected = at(src.configs, trialId).curves[trialSeed(5 + i, trialId) % 2];
        expect(config.curves[i]).toEqual(expected);
      }
    }
    expect(table.meta).toMatchObject({ seeds: [5, 6, 7], resourceUnit: 'examples', trainer: 'tabular', backend: { name: 'src' } });
    expect(defined(table.meta, 'table.meta').machine).toHaveProperty('cpus');
  });

  test('the CLI writes a valid tabular file that replays to the same curves', async () => {
    const cfg = join(dir, 'record.json');
    writeFileSync(cfg, JSON.stringify(config));
    const out = join(dir, 'out.json');
    const write = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = () => true;
    process.stderr.write = () => true;
    let code: number;
    try {
      code = await main(['record', cfg, '--seeds', '2', '--out', out]);
    } finally {
      process.stdout.write = write;
      process.stderr.write = err;
    }
    expect(code).toBe(0);
    const written = loadTabularFile(out, dir, 'out');
    expect(written.configs.map((c) => c.curves.length)).toEqual([2, 2]);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { meta: { command: string } }).meta.command).toBe(
      `batchtune record ${cfg} --seeds 2 --out ${out}`,
    );
    // Replaying the recording: each trial reads one of the recorded curves of its configuration.
    const again = await recordCurves({ ...config, trainer: { type: 'tabular', file: out } }, { baseDir: dir, seeds: 2 });
    for (const [trialId, c] of again.configs.entries()) {
      for (let i = 0; i < 2; i++) expect(c.curves[i]).toEqual(at(written.configs, trialId).curves[trialSeed(5 + i, trialId) % 2]);
    }
  });

  test('bad --seeds is a usage error', async () => {
    const err = process.stderr.write.bind(process.stderr);
    process.stderr.write = () => true;
    try {
      expect(await main(['record', join(dir, 'record.json'), '--seeds', '0'])).toBe(2);
    } finally {
      process.stderr.write = err;
    }
  });
});
