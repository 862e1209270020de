// Units the compiler keeps apart. Each is a number at run time (JSON, carried workflow state and history hold plain
// numbers); the unit exists only in the type, so branding changes no value and no replay.
//
// Two strengths:
// - A brand (`__unit` required) accepts only what its constructor returns: a minute of day is validated once where
//   it enters (config, the API, a clock) and a bare number cannot stand in for one.
// - A flavour (`__unit` optional) accepts a bare number but refuses another unit: instants, durations and 0..1
//   values arrive as plain numbers from rows, JSON and arithmetic everywhere, so requiring a constructor at each of
//   those would add a cast per line and prove little; what the flavour proves is that a minute of day, a duration or
//   a probability is never passed where an instant is expected, and the reverse.

/** Milliseconds since the Unix epoch. All times in domain code are passed in, never read from a clock. */
export type EpochMs = number & { readonly __unit?: 'EpochMs' };

/** A length of time in milliseconds (a TTL, a window, a half-life): added to an instant, never one itself. */
export type DurationMs = number & { readonly __unit?: 'DurationMs' };

/** A value in 0..1: a probability, a rate, a business value, a share. */
export type Probability = number & { readonly __unit?: 'Probability' };

/** Minutes after local midnight, 0..1439. Only `minuteOfDay` (or a clock) makes one. */
export type MinuteOfDay = number & { readonly __unit: 'MinuteOfDay' };

export const MINUTES_PER_DAY = 24 * 60;

/** An instant, refusing what is not a finite number (NaN from a bad parse, Infinity). */
export function epochMs(n: number): EpochMs {
  if (!Number.isFinite(n)) throw new RangeError(`Not a finite instant: ${String(n)}`);
  return n;
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
  return Math.min(1, Math.max(0, n));
}

/** The instant `d` after `t`. */
export function addMs(t: EpochMs, d: DurationMs): EpochMs {
  return t + d;
}

/** How long from `from` to `to` (negative when `to` is earlier). */
export function msBetween(from: EpochMs, to: EpochMs): DurationMs {
  return to - from;
}
