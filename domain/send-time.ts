// Send-time optimization (docs/product.md §5): engagement counted by local hour of week with time decay, smoothed
// toward the population's pattern, so a new user gets a sensible time and an active user gets theirs.
import { DAY_MS, HOUR_MS, MINUTE_MS, hourOfWeek, localClock, type LocalClock } from './time';
import type { DurationMs, EpochMs, HourOfWeekCounts } from './types';
import { nth } from './present';
import { addMs, epochMs, NEVER, plusMs } from './units';

export const HOURS_PER_WEEK = 168;
export const DEFAULT_HALF_LIFE_DAYS = 14;
/** How many engagements the population prior is worth: a user needs about this many to outweigh it. */
export const PRIOR_STRENGTH = 8;

function bump(hour: number, peak: number, width: number): number {
  return Math.exp(-((hour - peak) ** 2) / (2 * width * width));
}

/** Relative activity of an average user at a local hour: morning, lunch and evening peaks, quiet nights. */
function populationActivity(weekday: number, hour: number): number {
  const weekend = weekday >= 5;
  const h = hour + 0.5;
  const morning = weekend ? bump(h, 10, 1.5) * 0.8 : bump(h, 8, 1) * 0.9;
  const lunch = weekend ? bump(h, 13.5, 2) * 0.9 : bump(h, 12.5, 1) * 0.8;
  const evening = bump(h, 20.5, 1.8) * 1.3;
  return 0.03 + morning + lunch + evening;
}

/** The population's engagement by local hour of week (Monday 00:00 = 0), normalized to sum 1. */
export function populationHourOfWeek(): HourOfWeekCounts {
  const raw = Array.from({ length: HOURS_PER_WEEK }, (_, i) => populationActivity(Math.floor(i / 24), i % 24));
  const total = raw.reduce((sum, v) => sum + v, 0);
  return raw.map((v) => v / total);
}

export const POPULATION_HOUR_OF_WEEK: HourOfWeekCounts = populationHourOfWeek();

function normalizedCounts(counts: HourOfWeekCounts): HourOfWeekCounts {
  return counts.length === HOURS_PER_WEEK && counts.every((c) => Number.isFinite(c) && c >= 0)
    ? counts
    : new Array<number>(HOURS_PER_WEEK).fill(0);
}

/**
 * Adds one engagement at `at`. Counts decay with the given half-life from `lastUpdatedAt` (when the counts were
 * last brought up to date) to `at`; an engagement older than `lastUpdatedAt` is added already decayed.
 * Returns a new array; the caller keeps max(lastUpdatedAt, at) as the new lastUpdatedAt.
 */
export function recordEngagement(
  counts: HourOfWeekCounts,
  at: EpochMs,
  tz: string,
  halfLifeDays: number = DEFAULT_HALF_LIFE_DAYS,
  lastUpdatedAt?: EpochMs,
): HourOfWeekCounts {
  if (!(halfLifeDays > 0)) throw new RangeError(`halfLifeDays must be positive, got ${halfLifeDays}`);
  const halfLifeMs = halfLifeDays * DAY_MS;
  const base = normalizedCounts(counts);
  const elapsed = lastUpdatedAt === undefined ? 0 : at - lastUpdatedAt;
  const decay = elapsed > 0 ? 0.5 ** (elapsed / halfLifeMs) : 1;
  const weight = elapsed < 0 ? 0.5 ** (-elapsed / halfLifeMs) : 1;
  const updated = base.map((c) => c * decay);
  const hour = hourOfWeek(at, tz);
  updated[hour] = nth(updated, hour) + weight;
  return updated;
}

/** How much of an hour's pooled count is its own day kind's (weekdays or weekend) average; the rest is the week's. */
export const DAY_KIND_SHARE = 0.7;

/**
 * The counts with each hour of the week replaced by the same local hour's average over the other days of its kind
 * (Monday–Friday, or Saturday–Sunday; 30 % from all seven days), when the policy's `engagementPooling` is on
 * (workflows/user-state.ts engagementCounts). A user who opens the app at 12:40 on a few days is a
 * lunchtime user on every weekday, not only on the weekdays they happened to show up: 168 separate hours learned
 * from a dozen engagements left most of a user's week at the population prior (whose evening peak then won), and
 * gave single past engagements a lift of 10× at that one hour of that one weekday. The total is unchanged, so
 * PRIOR_STRENGTH weighs the user's evidence as before. Found with the population simulator (docs/learning.md).
 */
export function pooledByDayKind(counts: HourOfWeekCounts): HourOfWeekCounts {
  const own = normalizedCounts(counts);
  const weekdays = new Array<number>(24).fill(0);
  const weekend = new Array<number>(24).fill(0);
  own.forEach((c, h) => {
    const hour = h % 24;
    if (h < 120) weekdays[hour] = nth(weekdays, hour) + c;
    else weekend[hour] = nth(weekend, hour) + c;
  });
  return own.map((_, h) => {
    const hour = h % 24;
    const all = (nth(weekdays, hour) + nth(weekend, hour)) / 7;
    const kind = h < 120 ? nth(weekdays, hour) / 5 : nth(weekend, hour) / 2;
    return DAY_KIND_SHARE * kind + (1 - DAY_KIND_SHARE) * all;
  });
}

/** The smoothed share of weekly engagement per hour of week (sums to 1). Do not modify the result. */
export function smoothedPropensity(counts: HourOfWeekCounts): readonly number[] {
  if (last !== null && sameCounts(last.counts, counts)) return last.propensity;
  const own = normalizedCounts(counts);
  const total = own.reduce((sum, c) => sum + c, 0);
  const propensity = own.map(
    (c, h) => (c + PRIOR_STRENGTH * nth(POPULATION_HOUR_OF_WEEK, h)) / (total + PRIOR_STRENGTH),
  );
  last = { counts: [...counts], propensity };
  return propensity;
}

// The last answer: a workflow re-plans many times between two engagements, each time with the same counts.
let last: { counts: readonly number[]; propensity: readonly number[] } | null = null;

function sameCounts(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The start of the next local hour after `at` (30- and 45-minute offsets included). */
function nextLocalHour(at: EpochMs, clock: LocalClock): EpochMs {
  const minute = clock.minuteOfDay(at) % 60;
  return epochMs(at - (((at % MINUTE_MS) + MINUTE_MS) % MINUTE_MS) - minute * MINUTE_MS + HOUR_MS);
}

/** A time a notification could go, and the lift of its local hour over an average hour of the week (1 = average). */
export interface SendSlot {
  at: EpochMs;
  propensity: number;
}

/** The times to consider in [from, from + horizon): `from` itself, then the start of each local hour, with their lift. */
export function sendSlots(
  counts: HourOfWeekCounts,
  from: EpochMs,
  tz: string,
  horizonMs: DurationMs = DAY_MS,
): SendSlot[] {
  const propensity = smoothedPropensity(counts);
  // One zone lookup for the window instead of one per hour (scoring asks this for every candidate).
  const clock = localClock(tz, from, addMs(from, plusMs(horizonMs, HOUR_MS)));
  const lift = (at: EpochMs): number => nth(propensity, clock.hourOfWeek(at)) * HOURS_PER_WEEK;
  const slots = [{ at: from, propensity: lift(from) }];
  for (let at = nextLocalHour(from, clock); at < from + horizonMs; at = nextLocalHour(at, clock)) {
    slots.push({ at, propensity: lift(at) });
  }
  return slots;
}

/**
 * Waiting must buy a real gain: the first slot (now, or the earliest allowed time) is kept unless a later slot's
 * lift beats it by more than this fraction. Without it, a send planned for Friday 20:00 and re-optimized when that
 * time comes would slip a whole day to Saturday 20:00 for a 0.15 % better lift.
 */
export const MIN_LIFT_GAIN_TO_WAIT = 0.01;

/**
 * The slot with the highest lift among those before `before` (ties go to the earliest); slots[0] always counts and
 * is kept unless the best beats it by more than MIN_LIFT_GAIN_TO_WAIT.
 */
export function bestSlot(slots: readonly SendSlot[], before: EpochMs = NEVER): SendSlot {
  const first = nth(slots, 0);
  let best = first;
  for (const slot of slots) if (slot.at < before && slot.propensity > best.propensity) best = slot;
  return best.propensity > first.propensity * (1 + MIN_LIFT_GAIN_TO_WAIT) ? best : first;
}

/**
 * The best time to send within [now, now + horizon): the start of the local hour with the highest smoothed
 * propensity (or now, when the current hour is best; ties go to the earliest). `propensity` is the lift over an
 * average hour of the week: 1 = average, 2 = twice as likely as average.
 */
export function bestSendTime(
  counts: HourOfWeekCounts,
  now: EpochMs,
  tz: string,
  horizonMs: DurationMs = DAY_MS,
): { at: EpochMs; propensity: number } {
  return bestSlot(sendSlots(counts, now, tz, horizonMs));
}
