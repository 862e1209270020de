// The planner's checked typed-array reads and its reused scratch arrays (domain/typed-arrays.ts).
import { describe, expect, it } from 'vitest';
import { ScratchArrays, f64, i32, u8 } from '../../domain/typed-arrays';

describe('checked typed-array reads', () => {
  it('return the element inside the bounds and throw a RangeError outside them', () => {
    const ints = Int32Array.of(7, -3);
    const floats = Float64Array.of(0.5, NaN);
    const bytes = Uint8Array.of(1, 0);
    expect([i32(ints, 0), i32(ints, 1), f64(floats, 0), u8(bytes, 1)]).toEqual([7, -3, 0.5, 0]);
    // A NaN element is a value, not a missing one.
    expect(f64(floats, 1)).toBeNaN();
    expect(() => i32(ints, 2)).toThrow(new RangeError('index 2 is outside 0..1'));
    expect(() => f64(floats, -1)).toThrow(RangeError);
    expect(() => u8(bytes, 0.5)).toThrow(RangeError);
  });
});

describe('ScratchArrays', () => {
  it('hands out the same arrays in the same order after a reset, growing one that is too short', () => {
    const scratch = new ScratchArrays();
    const first = scratch.f64(10);
    const second = scratch.f64(10);
    const ints = scratch.i32(3);
    expect(first).not.toBe(second);
    expect(first.length).toBeGreaterThanOrEqual(10);

    scratch.reset();
    expect(scratch.f64(5)).toBe(first);
    const grown = scratch.f64(1_000);
    expect(grown).not.toBe(second);
    expect(grown.length).toBeGreaterThanOrEqual(1_000);
    expect(scratch.i32(3)).toBe(ints);

    scratch.reset();
    scratch.f64(1);
    expect(scratch.f64(1_000)).toBe(grown);
  });

  it('keeps what an earlier call wrote (callers write every element they read)', () => {
    const scratch = new ScratchArrays();
    scratch.u8(4).fill(9);
    scratch.reset();
    expect(Array.from(scratch.u8(4).subarray(0, 4))).toEqual([9, 9, 9, 9]);
  });
});
