import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BatchtuneError } from '../../index.ts';
import { journalCsv } from '../../report/export-csv.ts';
import { optunaJournal } from '../../report/export-optuna.ts';
import { parseCommand, requirePositional } from '../args.ts';
import { readJournalFile } from '../journal-file.ts';

export const usage = 'batchtune export <journal.jsonl> --format csv|optuna [--out <file>] [--study-name <name>]';

const FORMATS = ['csv', 'optuna'];

/** A journal in another tool's format: CSV (one row per report) or Optuna's JournalFileStorage. */
export async function exportJournal(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { format: { type: 'string' }, out: { type: 'string' }, 'study-name': { type: 'string' } },
    usage,
  );
  const path = requirePositional(positionals, 'journal.jsonl', usage);
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
