// Values the code's own logic guarantees but the type system cannot see (an index inside the loop's bounds, a key
// put in the map just before). With noUncheckedIndexedAccess the compiler asks; these answer with a check that
// throws a clear error instead of an unchecked `!` that would let `undefined` run on.

/** The element at `index`, which the caller's bounds guarantee; outside them is a bug, thrown as one. */
export function nth<T>(items: ArrayLike<T>, index: number): T {
  const item = items[index];
  if (item === undefined && !(index >= 0 && index < items.length)) {
    throw new RangeError(`index ${index} is outside 0..${items.length - 1}`);
  }
  return item as T;
}

/** A value the caller's logic guarantees is there; `undefined` or `null` is a bug, thrown with `what` it was. */
export function present<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}
