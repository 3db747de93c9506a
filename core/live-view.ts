/**
 * A read-only, live view of an array, mapping each element on access. The engine hands strategies
 * its trials this way: building a frozen copy of every trial for every ask and tell made a search's
 * cost grow with the square of its trials (a 20,000-trial ASHA search spent most of its time there).
 * Reads see the array as it is now; writes throw, as they would on a frozen array.
 */
export function liveView<T, V>(source: readonly T[], view: (item: T) => V): readonly V[] {
  const viewAt = (key: string): V | undefined => {
    const item = source[Number(key)];
    return item === undefined ? undefined : view(item);
  };
  const refuse = (): never => {
    throw new TypeError('the search state is read-only: copy it ([...state.trials]) to change it');
  };
  return new Proxy(source as unknown as V[], {
    get(target, key, receiver) {
      if (isIndex(key)) return viewAt(key);
      const value: unknown = Reflect.get(target, key, receiver);
      return value;
    },
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
    setPrototypeOf: refuse,
    preventExtensions: refuse,
    getOwnPropertyDescriptor(target, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
      if (descriptor && isIndex(key)) return { ...descriptor, value: viewAt(key), writable: false };
      return descriptor;
    },
  });
}

function isIndex(key: string | symbol): key is string {
  if (typeof key !== 'string') return false;
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && String(n) === key;
}
