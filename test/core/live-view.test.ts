/**
 * The search state's trials are a read-only live view (core/live-view.ts): reads map to frozen
 * snapshots by index, iteration and array methods; every kind of write throws.
 */
import { expect, test } from '@jest/globals';
import { liveView } from '../../core/live-view.ts';

const source = [{ n: 1 }, { n: 2 }];
const view = liveView(source, (item) => Object.freeze({ doubled: item.n * 2 }));

test('reads go through the mapping: index, length, iteration, array methods, JSON', () => {
  expect(view.length).toBe(2);
  expect(view[1]).toEqual({ doubled: 4 });
  expect(view[2]).toBeUndefined();
  expect([...view]).toEqual([{ doubled: 2 }, { doubled: 4 }]);
  expect(view.map((v) => v.doubled)).toEqual([2, 4]);
  expect(Array.isArray(view)).toBe(true);
  expect(JSON.parse(JSON.stringify(view))).toEqual([{ doubled: 2 }, { doubled: 4 }]);
  expect(Object.values(view)).toEqual([{ doubled: 2 }, { doubled: 4 }]);
});

test('it is live: an element added to the source is seen', () => {
  const growing = [1];
  const live = liveView(growing, (n) => n * 10);
  growing.push(2);
  expect([...live]).toEqual([10, 20]);
});

test('writes throw and change nothing', () => {
  const writable = view as unknown as { doubled: number }[];
  expect(() => (writable[0] = { doubled: 0 })).toThrow(TypeError);
  expect(() => writable.push({ doubled: 0 })).toThrow(TypeError);
  expect(() => writable.pop()).toThrow(TypeError);
  expect(() => (writable.length = 0)).toThrow(TypeError);
  expect(() => Object.defineProperty(writable, '0', { value: 1 })).toThrow(TypeError);
  expect(source).toEqual([{ n: 1 }, { n: 2 }]);
});
