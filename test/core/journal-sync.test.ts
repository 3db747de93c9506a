/**
 * Group commit in the JSON-lines journal (core/store.ts): syncs asked for within `syncIntervalMs` of
 * the last fsync share one, done when the interval ends or at close; every record is in the file
 * (handed to the operating system) as soon as it is appended, whatever the syncs.
 */
import { expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlFileStore } from '../../core/store.ts';

const header = { t: 'header', version: 3, configHash: 'x', config: {}, createdAt: '2026-01-01T00:00:00.000Z' };

function store(syncIntervalMs: number): { path: string; journal: JsonlFileStore } {
  const path = join(mkdtempSync(join(tmpdir(), 'bt-sync-')), 'journal.jsonl');
  return { path, journal: new JsonlFileStore(path, { syncIntervalMs }) };
}

function lines(path: string): number {
  return readFileSync(path, 'utf8').trim().split('\n').length;
}

test('syncs within the interval share one fsync, owed until close; records reach the file at once', () => {
  const { path, journal } = store(60_000);
  journal.append(header);
  for (let i = 0; i < 100; i += 1) {
    journal.append({ t: 'pluginError', plugin: 'p', hook: 'h', message: String(i) });
    journal.sync();
  }
  expect(journal.syncs).toBe(1);
  expect(lines(path)).toBe(101);
  journal.close();
  expect(journal.syncs).toBe(2);
});

test('an owed sync runs when the interval ends, without another call', async () => {
  const { journal } = store(20);
  journal.append(header);
  journal.sync();
  journal.append({ t: 'pluginError', plugin: 'p', hook: 'h', message: 'later' });
  journal.sync();
  expect(journal.syncs).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(journal.syncs).toBe(2);
  journal.close();
  expect(journal.syncs).toBe(2);
});

test('syncIntervalMs 0 syncs every time', () => {
  const { journal } = store(0);
  journal.append(header);
  for (let i = 0; i < 5; i += 1) journal.sync();
  journal.close();
  expect(journal.syncs).toBe(5);
});
