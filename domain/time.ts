// Local-time arithmetic in IANA time zones through Intl, DST-correct, with no library and no clock.
// Every function takes the instant it reasons about as an argument.
import type { DurationMs, EpochMs, MinuteOfDay } from './types';
import { days, epochMs, hours, minuteOfDay as toMinuteOfDay, minutes, NEVER, wrapMinuteOfDay } from './units';
import { nth } from './present';

export const MINUTE_MS: DurationMs = minutes(1);
export const HOUR_MS: DurationMs = hours(1);
export const DAY_MS: DurationMs = days(1);

export interface LocalParts {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  /** 0..23 */
  hour: number;
  /** 0..59 */
  minute: number;
  /** 0 = Monday … 6 = Sunday */
  weekday: number;
  /** hour * 60 + minute */
  minuteOfDay: MinuteOfDay;
}

// Building a DateTimeFormat costs tens of µs; the planner asks for the same few zones over and over.
// The cache is bounded so a stream of distinct zones cannot grow it without limit.
const FORMATTER_CACHE_LIMIT = 64;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= FORMATTER_CACHE_LIMIT) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

/** The UTC offset at `at` as Intl reports it (offsets are whole seconds, so the ms part of `at` is dropped). */
function intlOffsetMs(at: number, timeZone: string): number {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const { year, month, day, hour, minute, second } = fields;
  const wholeSecond = at - (((at % 1000) + 1000) % 1000);
  return Date.UTC(year, month - 1, day, hour, minute, second) - wholeSecond;
}

// Offsets change only at instants on a 15-minute UTC grid (every zone's offset is a multiple of 15 minutes and
// clocks change on whole local minutes), so the offset is constant within each 15-minute bucket. The cache keeps, per
// zone, the offset of each UTC day whose two ends agree (no zone changes its offset twice within a day), and for a
// day with a change, of each bucket whose two ends agree (historic local-mean-time offsets aside): most lookups are
// a Map hit instead of an Intl call, and a simulation of many users over weeks, or a long-lived worker, does not
// churn through it. Bounded, and a pure cache: results are identical with or without it.
const BUCKET_MS = 15 * 60_000;
const BUCKETS_PER_DAY = 96;
const OFFSET_CACHE_LIMIT = 2048;
/** Per zone: UTC day → its offset, or null when the offset changes that day; bucket → offset on such days. */
const offsetCache = new Map<string, { days: Map<number, number | null>; buckets: Map<number, number> }>();
let offsetCacheSize = 0;

/** UTC offset of `timeZone` at instant `at`, in ms (Paris in summer: +7_200_000). */
export function offsetMs(at: EpochMs, timeZone: string): number {
  return offsetAtMs(at, timeZone);
}

/** offsetMs for a millisecond count that is not (yet) an instant: a bucket or day start, a bisection's midpoint. */
function offsetAtMs(at: number, timeZone: string): number {
  if (!Number.isFinite(at)) throw new RangeError(`Not a finite instant: ${String(at)}`);
  const bucket = Math.floor(at / BUCKET_MS);
  const day = Math.floor(bucket / BUCKETS_PER_DAY);
  let zone = offsetCache.get(timeZone);
  const known = zone?.days.get(day);
  if (typeof known === 'number') return known;
  if (known === null && zone !== undefined) {
    const cached = zone.buckets.get(bucket);
    if (cached !== undefined) return cached;
  }
  if (offsetCacheSize >= OFFSET_CACHE_LIMIT) {
    offsetCache.clear();
    offsetCacheSize = 0;
    zone = undefined;
  }
  if (zone === undefined) {
    zone = { days: new Map(), buckets: new Map() };
    offsetCache.set(timeZone, zone);
  }
  if (known === undefined) {
    const dayStart = day * BUCKETS_PER_DAY * BUCKET_MS;
    const first = intlOffsetMs(dayStart, timeZone);
    const changes = intlOffsetMs(dayStart + BUCKETS_PER_DAY * BUCKET_MS - 1, timeZone) !== first;
    zone.days.set(day, changes ? null : first);
    offsetCacheSize++;
    if (!changes) return first;
  }
  const first = intlOffsetMs(bucket * BUCKET_MS, timeZone);
  const last = intlOffsetMs((bucket + 1) * BUCKET_MS - 1, timeZone);
  if (first !== last) return intlOffsetMs(at, timeZone);
  zone.buckets.set(bucket, first);
  offsetCacheSize++;
  return first;
}

/** Wall-clock date of `at` in `timeZone`, and the wall time encoded as a UTC epoch value. */
function wallClock(at: EpochMs, timeZone: string): { year: number; month: number; day: number; wallMs: number } {
  const wallMs = at + offsetMs(at, timeZone);
  const wall = new Date(wallMs);
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), wallMs };
}

export function localParts(at: EpochMs, timeZone: string): LocalParts {
  const { year, month, day, wallMs } = wallClock(at, timeZone);
  const wall = new Date(wallMs);
  const hour = wall.getUTCHours();
  const minute = wall.getUTCMinutes();
  return {
    year,
    month,
    day,
    hour,
    minute,
    weekday: (wall.getUTCDay() + 6) % 7,
    minuteOfDay: toMinuteOfDay(hour * 60 + minute),
  };
}

/** 0..167, Monday 00:00 local = 0. */
export function hourOfWeek(at: EpochMs, timeZone: string): number {
  const parts = localParts(at, timeZone);
  return parts.weekday * 24 + parts.hour;
}

/**
 * The instants whose local wall clock in `timeZone` reads `wallMs` (a wall time encoded as if it were UTC).
 * One instant normally, two in a DST overlap (ascending), none in a DST gap.
 */
function instantsAtWall(wallMs: number, timeZone: string): EpochMs[] {
  const offsets = new Set([offsetAtMs(wallMs - DAY_MS, timeZone), offsetAtMs(wallMs + DAY_MS, timeZone)]);
  const found: EpochMs[] = [];
  for (const offset of offsets) {
    const at = epochMs(wallMs - offset);
    if (offsetMs(at, timeZone) === offset) found.push(at);
  }
  return found.sort((a, b) => a - b);
}

/** The instant the offset changes, found by bisection between an instant before and one after it. */
function transitionBetween(before: EpochMs, after: EpochMs, timeZone: string): EpochMs {
  const offsetBefore = offsetMs(before, timeZone);
  let lo: number = before;
  let hi: number = after;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (offsetAtMs(mid, timeZone) === offsetBefore) lo = mid;
    else hi = mid;
  }
  // Transitions fall on whole seconds; hi is the first second with the new offset.
  return epochMs(hi - (hi % 1000));
}

/**
 * The instants a local wall time maps to: one normally, both (ascending) in a DST overlap, and in a DST gap
 * the first instant after the gap (02:30 in a 02:00→03:00 gap → the instant the clock shows 03:00).
 */
function resolveWall(wallMs: number, timeZone: string): EpochMs[] {
  const found = instantsAtWall(wallMs, timeZone);
  if (found.length > 0) return found;
  const offsetBefore = offsetAtMs(wallMs - DAY_MS, timeZone);
  const offsetAfter = offsetAtMs(wallMs + DAY_MS, timeZone);
  return [transitionBetween(epochMs(wallMs - offsetAfter), epochMs(wallMs - offsetBefore), timeZone)];
}

function wallOfDate(year: number, month: number, day: number, minuteOfDay: number): number {
  return Date.UTC(year, month - 1, day) + minuteOfDay * MINUTE_MS;
}

/** The first instant of the local calendar day containing `at` (DST-correct: days last 23, 24 or 25 h). */
export function startOfLocalDay(at: EpochMs, timeZone: string): EpochMs {
  const { year, month, day } = wallClock(at, timeZone);
  return nth(resolveWall(wallOfDate(year, month, day, 0), timeZone), 0);
}

/** The first instant of the local calendar day after the one containing `at`. */
export function startOfNextLocalDay(at: EpochMs, timeZone: string): EpochMs {
  const { year, month, day } = wallClock(at, timeZone);
  return nth(resolveWall(wallOfDate(year, month, day + 1, 0), timeZone), 0);
}

/**
 * The first instant strictly after `after` at which the local clock reads `minuteOfDay`.
 * In a DST overlap the wall time occurs twice and either occurrence can be the answer; on a day where the
 * wall time falls in a DST gap the answer is the first instant after the gap.
 */
export function nextLocalTime(after: EpochMs, timeZone: string, minuteOfDay: MinuteOfDay): EpochMs {
  toMinuteOfDay(minuteOfDay); // a value cast from JSON is checked here, where a wrong one would loop a day off
  const { year, month, day } = wallClock(after, timeZone);
  for (let dayOffset = -1; dayOffset <= 2; dayOffset++) {
    for (const at of resolveWall(wallOfDate(year, month, day + dayOffset, minuteOfDay), timeZone)) {
      if (at > after) return at;
    }
  }
  // Unreachable for real zones (offsets move by at most a day); fail loudly rather than loop.
  throw new Error(`No local ${minuteOfDay} min after ${after} in ${timeZone}`);
}

/** "07:00" */
export function formatMinuteOfDay(minuteOfDay: MinuteOfDay): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** "07:00 Europe/Paris" — the local time of an instant, for human-readable reasons. */
export function formatLocalTime(at: EpochMs, timeZone: string): string {
  return `${formatMinuteOfDay(localParts(at, timeZone).minuteOfDay)} ${timeZone}`;
}

/**
 * A zone's local clock over a window of a few days, for code that asks about many instants in it (the day plan):
 * real zones change offset at most once in such a window, so it is the offset at each end and, when they differ,
 * the transition instant, found once. Outside the window it asks offsetMs. Same answers as localParts/hourOfWeek.
 */
export interface LocalClock {
  offsetAt(at: EpochMs): number;
  /** 0..167, Monday 00:00 local = 0. */
  hourOfWeek(at: EpochMs): number;
  /** 0..1439 */
  minuteOfDay(at: EpochMs): MinuteOfDay;
}

export function localClock(timeZone: string, from: EpochMs, to: EpochMs): LocalClock {
  const before = offsetMs(from, timeZone);
  const after = offsetMs(to, timeZone);
  const transition = before === after ? NEVER : bucketTransition(from, to, timeZone, before);
  const offsetAt = (at: EpochMs): number =>
    at < from || at > to ? offsetMs(at, timeZone) : at < transition ? before : after;
  // 1970-01-01 was a Thursday: local epoch days shifted so that Monday = 0.
  const wallMinutes = (at: EpochMs): number => Math.floor((at + offsetAt(at)) / MINUTE_MS);
  return {
    offsetAt,
    hourOfWeek: (at) => {
      const hours = Math.floor(wallMinutes(at) / 60);
      return (((hours + 3 * 24) % 168) + 168) % 168;
    },
    minuteOfDay: (at) => wrapMinuteOfDay(wallMinutes(at)),
  };
}

/**
 * The first instant in (from, to] with an offset other than `before`: offsets change on the 15-minute UTC grid, so
 * a bisection over bucket starts finds it with cached lookups only.
 */
function bucketTransition(from: EpochMs, to: EpochMs, timeZone: string, before: number): EpochMs {
  let lo = Math.floor(from / BUCKET_MS); // its start has the old offset (or is before `from`)
  let hi = Math.ceil(to / BUCKET_MS);
  if (offsetAtMs(lo * BUCKET_MS, timeZone) !== before || offsetAtMs(hi * BUCKET_MS, timeZone) === before) {
    return transitionBetween(from, to, timeZone); // not a one-change window on the grid: the exact search
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (offsetAtMs(mid * BUCKET_MS, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return epochMs(hi * BUCKET_MS);
}

/**
 * The instant a local calendar date and wall time happen in a zone: in a DST overlap the first occurrence, in a DST gap
 * the first instant after it (02:30 in a 02:00→03:00 gap → 03:00). `month` is 1–12.
 */
export function atLocalTime(
  date: { year: number; month: number; day: number },
  minuteOfDay: MinuteOfDay,
  timeZone: string,
): EpochMs {
  return nth(resolveWall(wallOfDate(date.year, date.month, date.day, minuteOfDay), timeZone), 0);
}

/** The local calendar date of an instant in a zone (month 1–12). */
export function localDate(at: EpochMs, timeZone: string): { year: number; month: number; day: number } {
  const { year, month, day } = wallClock(at, timeZone);
  return { year, month, day };
}
