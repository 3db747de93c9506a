/**
 * CSV files: a header row, then one example per line, every cell a number. One column is the label
 * (a class id, or the regression target); the others are the features, in file order.
 */
import fs from 'node:fs';
import { dataError, type Table } from './table.ts';
import { at } from '../../../../core/indexed.ts';

/** Splits one line on commas; double quotes may wrap a cell ("" is a quote inside one). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/** Parses CSV text; `file` names it and `field` the config path in errors. */
function parseCsv(text: string, file: string, label: string, field: string): Table {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw dataError(`${field}.path: ${file} is empty; it needs a header row and data rows`);
  const columns = splitCsvLine(at(lines, headerAt));
  const labelAt = columns.indexOf(label);
  if (labelAt < 0) {
    throw dataError(`${field}.label: column ${JSON.stringify(label)} not found in ${file}; its columns are: ${columns.join(', ')}`);
  }
  if (columns.length < 2) throw dataError(`${field}.path: ${file} has only the label column; it needs feature columns too`);
  const features = columns.length - 1;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = at(lines, i);
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    if (cells.length !== columns.length) {
      throw dataError(
        `${field}.path: ${file} line ${i + 1} has ${cells.length} cells but the header has ${columns.length}; give every row one cell per column (${columns.join(', ')})`,
      );
    }
    for (let c = 0; c < cells.length; c++) {
      const value = cells[c] === '' ? NaN : Number(cells[c]);
      if (!Number.isFinite(value)) {
        throw dataError(
          `${field}.path: ${file} line ${i + 1}, column ${JSON.stringify(columns[c])}: ${JSON.stringify(cells[c])} is not a number; every cell after the header must be a finite number`,
        );
      }
      if (c === labelAt) ys.push(value);
      else xs.push(value);
    }
  }
  if (ys.length === 0) throw dataError(`${field}.path: ${file} has a header but no data rows; add one example per line after it`);
  return { x: Float32Array.from(xs), y: Float32Array.from(ys), rows: ys.length, shape: [features], targets: 1, source: file };
}

export function loadCsv(file: string, absolute: string, label: string, field: string): Table {
  return parseCsv(fs.readFileSync(absolute, 'utf8'), file, label, field);
}
