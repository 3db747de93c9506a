/**
 * `value`, failing the test with a message naming `what` when it is missing: for lookups whose
 * presence the test's own setup guarantees (an index read, a map entry), instead of a `!`.
 */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}
