// Units the compiler keeps apart. Each is a number at run time (JSON, carried workflow state and history hold plain
// numbers); the unit exists only in the type, so branding changes no value and no replay.
//
// Every unit is a brand (`__unit` required): a bare number is refused, and so is another unit. A value gets its unit
// in one of two ways:
// - where it enters, through a constructor: `epochMs()` (or `epochMsFromIso()`, `epochMsOfDate()`) for an instant
//   read from a row, JSON, a clock or workflow time (db/sql.ts, api/schemas.ts, clock/, workflows/now.ts),
//   `durationMs()` (or `seconds()`, `minutes()`, `hours()`, `days()`) for a length of time, `probability()` for a
//   0..1 value given from outside and `clampProbability()` for one computed, `minuteOfDay()` for a minute of day;
// - from other values of a unit, through the typed arithmetic below: `addMs(t, d)` and `subMs(t, d)` give an
//   instant, `msBetween(a, b)` a duration, `plusMs`/`scaleMs` a duration, `minOf`/`maxOf` keep the unit,
//   and `NEVER`/`EPOCH` stand for "no deadline" and "before anything".
// So an instant cannot be passed where a duration is expected (nor the reverse), and a bare number in a unit's place
// is a compile error that points at the line where the unit was lost. Casts to a unit live only in this file.

/** Milliseconds since the Unix epoch. All times in domain code are passed in, never read from a clock. */
export type EpochMs = number & { readonly __unit: 'EpochMs' };

/** A length of time in milliseconds (a TTL, a window, a half-life): added to an instant, never one itself. */
export type DurationMs = number & { readonly __unit: 'DurationMs' };

/** A value in 0..1: a probability, a rate, a business value, a share. */
export type Probability = number & { readonly __unit: 'Probability' };

/** Minutes after local midnight, 0..1439. Only `minuteOfDay` (or a clock) makes one. */
export type MinuteOfDay = number & { readonly __unit: 'MinuteOfDay' };

export const MINUTES_PER_DAY = 24 * 60;

/** An instant, refusing what is not a finite number (NaN from a bad parse, Infinity). */
export function epochMs(n: number): EpochMs {
  if (!Number.isFinite(n)) throw new RangeError(`Not a finite instant: ${String(n)}`);
  return n as EpochMs;
}

/** Later than every instant: a deadline that never comes, the answer when nothing is due (not from epochMs(), which
 * refuses Infinity as a bad parse). */
export const NEVER = Infinity as EpochMs;

/** 1970-01-01T00:00:00Z: the instant before anything happened (a default `since`). */
export const EPOCH = 0 as EpochMs;

/** An instant given as an ISO 8601 date-time (`2026-03-01T08:00:00Z`), refusing what does not parse. */
export function epochMsFromIso(iso: string): EpochMs {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new RangeError(`Not an ISO date-time: ${iso}`);
  return t as EpochMs;
}

/** The instant of a Date (a clock's, a driver's timestamp column), refusing an invalid Date. */
export function epochMsOfDate(d: Date): EpochMs {
  return epochMs(d.getTime());
}

/** A length of time in milliseconds, refusing what is not a finite number (it may be negative: a difference). */
export function durationMs(n: number): DurationMs {
  if (!Number.isFinite(n)) throw new RangeError(`Not a finite duration: ${String(n)}`);
  return n as DurationMs;
}

/** `n` seconds (or minutes, hours, days: 24-hour days, not calendar days) as a duration. */
export function seconds(n: number): DurationMs {
  return durationMs(n * 1000);
}
export function minutes(n: number): DurationMs {
  return durationMs(n * 60_000);
}
export function hours(n: number): DurationMs {
  return durationMs(n * 3_600_000);
}
export function days(n: number): DurationMs {
  return durationMs(n * 86_400_000);
}

export function isMinuteOfDay(n: unknown): n is MinuteOfDay {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < MINUTES_PER_DAY;
}

/** A minute of day, refusing anything but an integer in 0..1439. */
export function minuteOfDay(n: number): MinuteOfDay {
  if (!isMinuteOfDay(n)) throw new RangeError(`minuteOfDay must be an integer in 0..1439, got ${n}`);
  return n;
}

/**
 * The minute of day a count of wall minutes (any integer, negative too) falls on: wraps modulo a day. In range by
 * construction, so not checked again: the planner asks this for every slot of every re-plan.
 */
export function wrapMinuteOfDay(wallMinutes: number): MinuteOfDay {
  return (((Math.trunc(wallMinutes) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY) as MinuteOfDay;
}

export function isProbability(n: unknown): n is Probability {
  return typeof n === 'number' && n >= 0 && n <= 1;
}

/** A 0..1 value given from outside, refusing anything else (NaN included). */
export function probability(n: number): Probability {
  if (!isProbability(n)) throw new RangeError(`must be in 0..1, got ${n}`);
  return n;
}

/** A computed 0..1 value, clamped into range (NaN stays NaN: a computation bug is not hidden as 0). */
export function clampProbability(n: number): Probability {
  return Math.min(1, Math.max(0, n)) as Probability;
}

/** The instant `d` after `t`. */
export function addMs(t: EpochMs, d: DurationMs): EpochMs {
  return (t + d) as EpochMs;
}

/** The instant `d` before `t`. */
export function subMs(t: EpochMs, d: DurationMs): EpochMs {
  return (t - d) as EpochMs;
}

/** How long from `from` to `to` (negative when `to` is earlier). */
export function msBetween(from: EpochMs, to: EpochMs): DurationMs {
  return (to - from) as DurationMs;
}

/** The sum of two durations. */
export function plusMs(a: DurationMs, b: DurationMs): DurationMs {
  return (a + b) as DurationMs;
}

/** A duration `k` times as long (k a plain factor: a count, a ratio, a jitter). */
export function scaleMs(d: DurationMs, k: number): DurationMs {
  return (d * k) as DurationMs;
}

/** The smaller of two values of one unit (as Math.min: NaN if either is NaN). */
export function minOf<T extends EpochMs | DurationMs | Probability | MinuteOfDay>(a: T, b: T): T {
  return Math.min(a, b) as T;
}

/** The larger of two values of one unit (as Math.max: NaN if either is NaN). */
export function maxOf<T extends EpochMs | DurationMs | Probability | MinuteOfDay>(a: T, b: T): T {
  return Math.max(a, b) as T;
}
