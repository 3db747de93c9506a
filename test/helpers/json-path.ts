/**
 * Deliberate damage to parsed JSON (a journal record, a data file, a report's embedded data), without
 * `any`: a path of keys and indices into `unknown` data. A step that is missing throws, so a test
 * that means to corrupt a field can never silently corrupt nothing.
 */
export type JsonPath = ReadonlyArray<string | number>;

function isContainer(value: unknown): value is Record<string | number, unknown> {
  return typeof value === 'object' && value !== null;
}

function describePath(path: JsonPath): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('') || '(root)';
}

/** The value at `path` in `data`. */
function getAt(data: unknown, path: JsonPath): unknown {
  let node = data;
  for (const [i, key] of path.entries()) {
    if (!isContainer(node)) throw new Error(`no object or array at ${describePath(path.slice(0, i))} to read ${String(key)} from`);
    node = node[key];
  }
  return node;
}

/** The object or array that holds the last key of `path`, and that key. */
function ownerOf(data: unknown, path: JsonPath): [Record<string | number, unknown>, string | number] {
  const key = path.at(-1);
  if (key === undefined) throw new Error('an empty JSON path names no field');
  const owner = getAt(data, path.slice(0, -1));
  if (!isContainer(owner)) throw new Error(`no object or array at ${describePath(path.slice(0, -1))} to hold ${String(key)}`);
  return [owner, key];
}

/** Sets the field (or array element) at `path` in `data` to `value`, in place. */
export function setAt(data: unknown, path: JsonPath, value: unknown): void {
  const [owner, key] = ownerOf(data, path);
  owner[key] = value;
}

/** Deletes the field at `path` in `data`, in place, as if it had never been written. */
export function deleteAt(data: unknown, path: JsonPath): void {
  const [owner, key] = ownerOf(data, path);
  if (!(key in owner)) throw new Error(`no field at ${describePath(path)} to delete`);
  Reflect.deleteProperty(owner, key);
}
