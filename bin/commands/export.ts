import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BatchtuneError } from '../../index.ts';
import { journalCsv } from '../../report/export-csv.ts';
import { optunaJournal } from '../../report/export-optuna.ts';
import { requirePositional } from '../args.ts';
import { defineCommand, type OptionSpecs, type OptionValues } from '../command.ts';
import { readJournalFile } from '../journal-file.ts';

const FORMATS = ['csv', 'optuna'];

const options = {
  format: {
    type: 'string',
    short: 'f',
    value: 'csv|optuna',
    required: true,
    description: "csv: one row per report; optuna: Optuna's JournalFileStorage (optuna.load_study reads it)",
  },
  out: { type: 'string', short: 'o', value: '<file>', description: 'write to this file (default: stdout)' },
  'study-name': { type: 'string', value: '<name>', description: "the Optuna study's name (default: the journal's file name)" },
} as const satisfies OptionSpecs;

export const exportCommand = defineCommand({
  name: 'export',
  summary: "a journal as CSV (one row per report) or in Optuna's JournalFileStorage format",
  operands: '<journal.jsonl>',
  options,
  run: (values, positionals) => Promise.resolve(exportJournal(values, positionals)),
});

/** A journal in another tool's format: CSV (one row per report) or Optuna's JournalFileStorage. */
function exportJournal(values: OptionValues<typeof options>, positionals: string[]): number {
  const path = requirePositional(positionals, 'journal.jsonl', exportCommand.synopsis);
  const format = values.format;
  if (format === undefined || !FORMATS.includes(format)) {
    throw new BatchtuneError(
      'USAGE',
      `--format: must be one of ${FORMATS.join(', ')} (got ${format === undefined ? 'nothing' : JSON.stringify(format)})`,
    );
  }
  const view = readJournalFile(path);
  const text = format === 'csv' ? journalCsv(view) : optunaJournal(view, values['study-name'] ?? basename(path).replace(/\.jsonl$/, ''));
  const out = values.out;
  if (out === undefined) {
    process.stdout.write(text);
  } else {
    writeFileSync(out, text);
    process.stderr.write(`wrote ${out} (${format})\n`);
  }
  return 0;
}
