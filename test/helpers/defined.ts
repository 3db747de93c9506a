/**
 * `value`, failing the test with a message naming `what` when it is missing (undefined or null): for
 * values whose presence the test's own setup guarantees (an index read, a map entry, a best trial), instead of a `!`.
 */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}

/** `record[name]` as a number (a report's metric), failing the test naming it when it is missing or null. */
export function numberIn(record: Readonly<Record<string, number | null>>, name: string): number {
  const value = record[name];
  if (typeof value !== 'number') throw new Error(`${name} is ${String(value)}, not a number`);
  return value;
}
