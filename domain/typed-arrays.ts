// Checked reads of typed arrays for the planner's hot loops (domain/day-plan.ts, domain/planner.ts). With
// noUncheckedIndexedAccess a typed array read is `number | undefined`; these answer with a check that throws a clear
// error, like nth() (domain/present.ts), but one function per array type: nth() is shared by every array type in
// the product, so inlined into a hot loop its element load is megamorphic (measured up to ~20 % slower per re-plan),
// while each of these only ever sees its own type and stays a plain bounds-checked load.

function outOfBounds(index: number, length: number): RangeError {
  return new RangeError(`index ${index} is outside 0..${length - 1}`);
}

/** The element at `index` of an Int32Array, which the caller's bounds guarantee. */
export function i32(array: Int32Array, index: number): number {
  const value = array[index];
  if (value === undefined) throw outOfBounds(index, array.length);
  return value;
}

/** The element at `index` of a Float64Array, which the caller's bounds guarantee. */
export function f64(array: Float64Array, index: number): number {
  const value = array[index];
  if (value === undefined) throw outOfBounds(index, array.length);
  return value;
}

/** The element at `index` of a Uint8Array, which the caller's bounds guarantee. */
export function u8(array: Uint8Array, index: number): number {
  const value = array[index];
  if (value === undefined) throw outOfBounds(index, array.length);
  return value;
}

/**
 * Typed arrays reused across calls of a computation that runs to completion synchronously (the day plan): a fresh
 * typed array per table per re-plan was most of its garbage. After reset(), the n-th request of a type gets the n-th
 * array of that type, grown when too short; it is at least `length` long and holds what an earlier call left, so
 * the caller writes every element it reads (fill where it relies on an initial value).
 */
export class ScratchArrays {
  private readonly float64: Float64Array[] = [];
  private readonly int32: Int32Array[] = [];
  private readonly uint8: Uint8Array[] = [];
  private nextFloat64 = 0;
  private nextInt32 = 0;
  private nextUint8 = 0;

  reset(): void {
    this.nextFloat64 = 0;
    this.nextInt32 = 0;
    this.nextUint8 = 0;
  }

  f64(length: number): Float64Array {
    const n = this.nextFloat64++;
    const held = this.float64[n];
    if (held !== undefined && held.length >= length) return held;
    const fresh = new Float64Array(capacity(length, held?.length));
    this.float64[n] = fresh;
    return fresh;
  }

  i32(length: number): Int32Array {
    const n = this.nextInt32++;
    const held = this.int32[n];
    if (held !== undefined && held.length >= length) return held;
    const fresh = new Int32Array(capacity(length, held?.length));
    this.int32[n] = fresh;
    return fresh;
  }

  u8(length: number): Uint8Array {
    const n = this.nextUint8++;
    const held = this.uint8[n];
    if (held !== undefined && held.length >= length) return held;
    const fresh = new Uint8Array(capacity(length, held?.length));
    this.uint8[n] = fresh;
    return fresh;
  }
}

function capacity(length: number, held = 0): number {
  return Math.max(length, 2 * held, 64);
}
