/**
 * `batchtune export`: CSV with one row per report, and Optuna's JournalFileStorage format read back
 * by Optuna itself (Debian's python3-optuna; skipped with a message when it is not installed).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournalFile } from '../../bin/journal-file.ts';
import { cli } from '../helpers/cli.ts';
import { journalRecords, writeJournal } from '../helpers/journal.ts';
import { tempDir } from '../helpers/tabular.ts';
import { at } from '../../core/indexed.ts';
import { defined } from '../helpers/defined.ts';

/** What the Python script prints of the study Optuna loaded from the export. */
interface OptunaStudy {
  name: string;
  direction: string;
  attrs: Record<string, unknown>;
  trials: Array<{ number: number; state: string; params: unknown; value: number | null; intermediate: Record<string, unknown> }>;
  best: { number: number; value: number; params: unknown };
}

const dir = tempDir('batchtune-export-');
const python = '/usr/bin/python3';
const hasOptuna = spawnSync(python, ['-c', 'import optuna.storages'], { encoding: 'utf8' }).status === 0;
if (!hasOptuna)
  console.warn('SKIPPED: the Optuna export check needs Debian python3-optuna (apt-get install -y python3-optuna); .ci/run installs it');

/** Successive halving on curves recorded from real MNIST training (some trials pruned, some complete). */
async function studyJournal(): Promise<string> {
  const config = join(dir, 'sh.json');
  const file = new URL('../../bench/data/mnist-mlp.json', import.meta.url).pathname;
  writeFileSync(
    config,
    JSON.stringify({
      seed: 3,
      budget: { unit: 'examples', limit: 1500000 },
      strategy: { type: 'successive-halving', minResource: 8192, maxResource: 40960, reductionFactor: 2 },
      trainer: { type: 'tabular', file },
    }),
  );
  const journal = join(dir, 'sh.jsonl');
  expect((await cli(['run', config, '--journal', journal, '--quiet'])).code).toBe(0);
  return journal;
}

describe('batchtune export', () => {
  let journal: string;
  beforeAll(async () => {
    journal = await studyJournal();
  });

  test('csv: a header, then one row per report, with every metric as a column', async () => {
    const { code, out } = await cli(['export', journal, '--format', 'csv']);
    expect(code).toBe(0);
    const view = readJournalFile(journal);
    const lines = out.trimEnd().split('\n');
    const header = at(lines, 0).split(',');
    expect(header.slice(0, 4)).toEqual(['trial', 'state', 'param_batch_size', 'param_learning_rate']);
    expect(header).toEqual(expect.arrayContaining(['examples', 'steps', 'seconds', 'val_acc', 'train_loss']));
    expect(lines).toHaveLength(1 + view.trials.reduce((n, t) => n + t.reports.length, 0));
    const first = Object.fromEntries(header.map((h, i) => [h, at(lines, 1).split(',')[i]]));
    const report = at(at(view.trials, 0).reports, 0);
    expect(Number(first.examples)).toBe(report.progress.examples);
    expect(Number(first.val_acc)).toBe(report.metrics.val_acc);
  });

  test('csv quotes commas and quotes, and defuses spreadsheet formulas', async () => {
    const records = journalRecords(journal);
    for (const r of records) if (r.t === 'trialStart' && r.trialId === 0) r.tag = '=HYPERLINK("x"), "q"';
    const edited = join(dir, 'tagged.jsonl');
    writeJournal(edited, records);
    const { out } = await cli(['export', edited, '--format', 'csv']);
    expect(out.split('\n')[1]).toContain(`"'=HYPERLINK(""x""), ""q"""`);
  });

  test('bad format: one line naming the flag, exit 2', async () => {
    const { code, err } = await cli(['export', journal, '--format', 'xlsx']);
    expect(code).toBe(2);
    expect(err).toBe('batchtune: --format: must be one of csv, optuna (got "xlsx")\n');
  });

  (hasOptuna ? test : test.skip)(
    'optuna: load_study reads it; trials, params, intermediate values and the best trial match the journal',
    async () => {
      const out = join(dir, 'optuna.log');
      expect((await cli(['export', journal, '--format', 'optuna', '--out', out])).code).toBe(0);
      const script = `
import json, sys, warnings
warnings.simplefilter("ignore")
import optuna
from optuna.storages import JournalStorage, JournalFileStorage
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.load_study(study_name=None, storage=JournalStorage(JournalFileStorage(sys.argv[1])))
print(json.dumps({
  "name": study.study_name, "direction": study.direction.name, "attrs": study.user_attrs,
  "trials": [{"number": t.number, "state": t.state.name, "params": t.params, "value": t.value,
              "intermediate": {str(k): v for k, v in t.intermediate_values.items()}} for t in study.trials],
  "best": {"number": study.best_trial.number, "value": study.best_value, "params": study.best_params},
}))`;
      const run = spawnSync(python, ['-c', script, out], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const got = JSON.parse(run.stdout) as OptunaStudy;
      const view = readJournalFile(journal);
      expect(got.name).toBe('sh');
      expect(got.direction).toBe('MAXIMIZE');
      expect(got.attrs).toMatchObject({ strategy: 'successive-halving', metric: 'val_acc', resource_unit: 'examples' });
      expect(got.trials).toHaveLength(view.trials.length);
      for (const [i, trial] of view.trials.entries()) {
        const t = at(got.trials, i);
        expect(t.params).toEqual(trial.params);
        expect(t.state).toBe(trial.state === 'pruned' ? 'PRUNED' : 'COMPLETE');
        expect(t.intermediate).toEqual(Object.fromEntries(trial.reports.map((r) => [String(r.progress.examples), r.metrics.val_acc])));
        if (t.state === 'COMPLETE') expect(t.value).toBe(trial.value);
      }
      expect(got.trials.some((t) => t.state === 'PRUNED')).toBe(true);
      const best = defined(defined(view.summary, 'the summary').best, 'the best trial');
      expect(got.best).toEqual({ number: best.trialId, value: best.value, params: best.params });
    },
  );
});
