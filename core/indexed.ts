/**
 * `items[index]` where the caller's bounds keep `index` in range. With `noUncheckedIndexedAccess` an
 * index read may be undefined; this fails loudly, naming the index, instead of carrying undefined on.
 * Not for arrays that hold `undefined` as a value.
 */
export function at<T>(items: ArrayLike<T>, index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`index ${index} is outside 0..${items.length - 1}`);
  return item;
}
