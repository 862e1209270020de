import { describe, expect, it } from 'vitest';
import { nextLocalTime } from '../../domain/time';
import {
  addMs,
  clampProbability,
  days,
  durationMs,
  EPOCH,
  epochMs,
  epochMsFromIso,
  epochMsOfDate,
  hours,
  maxOf,
  minOf,
  minuteOfDay,
  minutes,
  msBetween,
  NEVER,
  plusMs,
  probability,
  scaleMs,
  seconds,
  subMs,
  wrapMinuteOfDay,
  type DurationMs,
  type EpochMs,
  type MinuteOfDay,
  type Probability,
} from '../../domain/units';
import { utc } from '../support/instants';

const T0: EpochMs = utc(2026, 0, 5, 12);

// Compile-time proofs, never run: `npm run typecheck` fails if any marked line stops being an error.
function _unitMixups(): void {
  const minute = minuteOfDay(7 * 60);
  const share = probability(0.3);
  const ttl = minutes(1);
  const takesInstant = (at: EpochMs): EpochMs => at;
  const takesMinute = (m: MinuteOfDay): MinuteOfDay => m;
  const takesShare = (p: Probability): Probability => p;
  const takesDuration = (d: DurationMs): DurationMs => d;

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
  // @ts-expect-error a bare number is not a probability: it goes through probability() or clampProbability()
  takesShare(0.3);
  // @ts-expect-error arithmetic on probabilities gives a bare number, not a probability
  takesShare(share * share);
  // @ts-expect-error a bare number is not a duration: it goes through durationMs() or minutes(), hours()…
  takesDuration(60_000);
  // @ts-expect-error an instant is not a duration
  takesDuration(T0);
  // @ts-expect-error a probability is not a duration
  takesDuration(share);
  // @ts-expect-error arithmetic on durations gives a bare number: plusMs or scaleMs keep the unit
  takesDuration(ttl * 2);
  // @ts-expect-error a bare number is not an instant: it goes through epochMs() where it enters
  takesInstant(1_767_614_400_000);
  // @ts-expect-error an instant plus a duration is a bare number: addMs keeps the unit
  takesInstant(T0 + ttl);
  // @ts-expect-error Math.max forgets the unit: maxOf keeps it
  takesInstant(Math.max(T0, T0));
  // @ts-expect-error msBetween gives a duration, not an instant
  takesInstant(msBetween(T0, T0));
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
    expect(epochMsFromIso('2026-01-05T12:00:00Z')).toBe(T0);
    expect(() => epochMsFromIso('yesterday')).toThrow(RangeError);
    expect(epochMsOfDate(new Date(T0))).toBe(T0);
    expect(() => epochMsOfDate(new Date(Number.NaN))).toThrow(RangeError);
    expect(NEVER > addMs(T0, days(365 * 1000))).toBe(true);
    expect(EPOCH).toBe(0);
  });

  it('adds a duration to an instant and measures between instants', () => {
    const later = addMs(T0, seconds(90));
    expect(later).toBe(T0 + 90_000);
    expect(subMs(later, seconds(90))).toBe(T0);
    expect(msBetween(T0, later)).toBe(90_000);
    expect(msBetween(later, T0)).toBe(-90_000);
  });

  it('builds durations and keeps their unit through arithmetic', () => {
    expect(seconds(1.5)).toBe(1_500);
    expect(minutes(2)).toBe(120_000);
    expect(hours(3)).toBe(10_800_000);
    expect(days(1)).toBe(86_400_000);
    expect(plusMs(minutes(1), seconds(30))).toBe(90_000);
    expect(scaleMs(hours(1), 0.5)).toBe(1_800_000);
    expect(minOf(minutes(1), seconds(30))).toBe(30_000);
    expect(maxOf(probability(0.2), probability(0.7))).toBe(0.7);
    expect(durationMs(-5)).toBe(-5);
    expect(() => durationMs(Number.NaN)).toThrow(RangeError);
    expect(() => hours(Infinity)).toThrow(RangeError);
  });

  it('a minute of day made by the constructor is what nextLocalTime takes', () => {
    const minute = minuteOfDay(7 * 60);
    expect(nextLocalTime(T0, 'UTC', minute)).toBe(utc(2026, 0, 6, 7));
  });
});
