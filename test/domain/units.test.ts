import { describe, expect, it } from 'vitest';
import { nextLocalTime } from '../../domain/time';
import {
  addMs,
  clampProbability,
  epochMs,
  minuteOfDay,
  msBetween,
  probability,
  wrapMinuteOfDay,
  type DurationMs,
  type EpochMs,
  type MinuteOfDay,
  type Probability,
} from '../../domain/units';

const T0: EpochMs = Date.UTC(2026, 0, 5, 12);

// Compile-time proofs, never run: `npm run typecheck` fails if any marked line stops being an error.
function _unitMixups(): void {
  const minute = minuteOfDay(7 * 60);
  const share: Probability = 0.3;
  const ttl: DurationMs = 60_000;
  const takesInstant = (at: EpochMs): EpochMs => at;
  const takesMinute = (m: MinuteOfDay): MinuteOfDay => m;
  const takesShare = (p: Probability): Probability => p;

  // @ts-expect-error a minute of day is not an instant
  takesInstant(minute);
  // @ts-expect-error a probability is not an instant
  takesInstant(share);
  // @ts-expect-error a duration is not an instant
  takesInstant(ttl);
  // @ts-expect-error an instant is not a minute of day
  takesMinute(T0);
  // @ts-expect-error a bare number is not a minute of day: it goes through minuteOfDay()
  takesMinute(420);
  // @ts-expect-error an instant is not a probability
  takesShare(T0);
  // @ts-expect-error the arguments of nextLocalTime cannot be swapped
  nextLocalTime(minute, 'UTC', T0);
  // @ts-expect-error addMs takes a duration, not a second instant
  addMs(T0, T0);
}

describe('units', () => {
  it('constructors refuse values outside their unit', () => {
    expect(minuteOfDay(0)).toBe(0);
    expect(minuteOfDay(1439)).toBe(1439);
    for (const bad of [-1, 1440, 7.5, Number.NaN]) expect(() => minuteOfDay(bad)).toThrow(RangeError);
    expect(wrapMinuteOfDay(-1)).toBe(1439);
    expect(wrapMinuteOfDay(1440 * 3 + 61)).toBe(61);
    expect(probability(0.25)).toBe(0.25);
    for (const bad of [-0.01, 1.01, Number.NaN]) expect(() => probability(bad)).toThrow(RangeError);
    expect(clampProbability(1.7)).toBe(1);
    expect(clampProbability(-3)).toBe(0);
    expect(clampProbability(Number.NaN)).toBeNaN();
    expect(() => epochMs(Number.NaN)).toThrow(RangeError);
    expect(() => epochMs(Infinity)).toThrow(RangeError);
  });

  it('adds a duration to an instant and measures between instants', () => {
    const later = addMs(T0, 90_000);
    expect(later).toBe(T0 + 90_000);
    expect(msBetween(T0, later)).toBe(90_000);
    expect(msBetween(later, T0)).toBe(-90_000);
  });

  it('a minute of day made by the constructor is what nextLocalTime takes', () => {
    const minute = minuteOfDay(7 * 60);
    expect(nextLocalTime(T0, 'UTC', minute)).toBe(Date.UTC(2026, 0, 6, 7));
  });
});
