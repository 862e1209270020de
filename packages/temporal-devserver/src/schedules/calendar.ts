// Calendar specs as Temporal's scheduler reads them: a port of temporalio/temporal
// `service/worker/scheduler/calendar.go` (string ranges "1-5/2,8", month and weekday names, cron strings with
// TZ=/CRON_TZ= and @daily-style names, and the next-matching-time search with its DST rules: a wall time inside
// a skipped hour never matches, and a time in a repeated hour matches once, in its first copy).
import type { Zone } from './zone';

export interface Range {
  start?: number | undefined;
  end?: number | undefined;
  step?: number | undefined;
}

export interface StructuredCalendar {
  second?: Range[] | undefined;
  minute?: Range[] | undefined;
  hour?: Range[] | undefined;
  dayOfMonth?: Range[] | undefined;
  month?: Range[] | undefined;
  year?: Range[] | undefined;
  dayOfWeek?: Range[] | undefined;
  comment?: string | undefined;
}

export interface CalendarStrings {
  second?: string | undefined;
  minute?: string | undefined;
  hour?: string | undefined;
  dayOfMonth?: string | undefined;
  month?: string | undefined;
  year?: string | undefined;
  dayOfWeek?: string | undefined;
  comment?: string | undefined;
}

export interface IntervalSeconds {
  interval: number;
  phase: number;
}

export const MIN_CALENDAR_YEAR = 2000;
export const MAX_CALENDAR_YEAR = 2100;
const MAX_COMMENT_LEN = 200;

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

type ParseMode = 'int' | 'year' | 'month' | 'dow';

export class SpecError extends Error {}

function parseValue(s: string, min: number, max: number, mode: ParseMode): number {
  const lower = s.toLowerCase();
  if (mode === 'month' && s.length >= 3) {
    const i = MONTHS.findIndex((m) => m.startsWith(lower));
    if (i >= 0) {
      if (i + 1 < min || i + 1 > max) throw new SpecError('out of range');
      return i + 1;
    }
  } else if (mode === 'dow' && s.length >= 2) {
    const i = DAYS.findIndex((d) => d.startsWith(lower));
    if (i >= 0) {
      if (i < min || i > max) throw new SpecError('out of range');
      return i;
    }
  }
  if (!/^[+-]?\d+$/.test(s)) throw new SpecError(`invalid value ${JSON.stringify(s)}`);
  const n = Number(s);
  if (n < min || n > max) throw new SpecError('out of range');
  return n;
}

/** calendar.go makeRange: "*", "x", "x-z", "x-z/y", "x/y", comma-separated lists. */
export function makeRange(
  input: string | undefined,
  field: string,
  def: string,
  min: number,
  max: number,
  mode: ParseMode,
): Range[] {
  let s = (input ?? '').trim();
  if (s === '') s = def;
  if (s === '*' && mode === 'year') return [];
  const ranges: Range[] = [];
  for (let part of s.split(',')) {
    let step = 1;
    let hasStep = false;
    const slashes = part.split('/').length - 1;
    if (slashes > 1) throw new SpecError(`${field} has too many slashes`);
    if (slashes === 1) {
      const [left, right] = part.split('/') as [string, string];
      if (right === '') throw new SpecError(`${field} missing step value`);
      if (!/^[+-]?\d+$/.test(right)) throw new SpecError(`${field} has invalid Step`);
      step = Number(right);
      if (step < 1) throw new SpecError(`${field} has invalid Step`);
      part = left;
      hasStep = true;
    }
    let start = min;
    let end = max;
    if (part !== '*') {
      if (part.includes('-')) {
        const pieces = part.split('-');
        if (pieces.length !== 2) throw new SpecError(`${field} has too many dashes`);
        try {
          start = parseValue(pieces[0]!, min, max, mode);
        } catch {
          throw new SpecError(`${field} Start is not in range [${min}-${max}]`);
        }
        try {
          end = parseValue(pieces[1]!, start, max, mode);
        } catch {
          throw new SpecError(`${field} End is before Start or not in range [${min}-${max}]`);
        }
      } else {
        try {
          start = parseValue(part, min, max, mode);
        } catch {
          throw new SpecError(`${field} is not in range [${min}-${max}]`);
        }
        if (!hasStep) end = start;
      }
    }
    // Sunday may be written 7: turn it into 0, adding a range where the original one cannot express it.
    if (mode === 'dow' && end === 7) {
      if ((7 - start) % step === 0 && (step > 1 || (step === 1 && start > 1))) {
        ranges.push({ start: 0 });
        if (start === 7) continue;
      }
      end = 6;
    }
    ranges.push({ start, ...(start === end ? {} : { end }), ...(step === 1 ? {} : { step }) });
  }
  return ranges;
}

export function parseCalendar(cal: CalendarStrings): StructuredCalendar {
  const errors: string[] = [];
  const field = (s: string | undefined, name: string, def: string, min: number, max: number, mode: ParseMode) => {
    try {
      return makeRange(s, name, def, min, max, mode);
    } catch (err) {
      errors.push((err as Error).message);
      return [];
    }
  };
  const out: StructuredCalendar = {
    second: field(cal.second, 'Second', '0', 0, 59, 'int'),
    minute: field(cal.minute, 'Minute', '0', 0, 59, 'int'),
    hour: field(cal.hour, 'Hour', '0', 0, 23, 'int'),
    dayOfWeek: field(cal.dayOfWeek, 'DayOfWeek', '*', 0, 7, 'dow'),
    dayOfMonth: field(cal.dayOfMonth, 'DayOfMonth', '*', 1, 31, 'int'),
    month: field(cal.month, 'Month', '*', 1, 12, 'month'),
    year: field(cal.year, 'Year', '*', MIN_CALENDAR_YEAR, MAX_CALENDAR_YEAR, 'year'),
    ...(cal.comment ? { comment: cal.comment } : {}),
  };
  if (errors.length > 0) throw new SpecError(errors.join(', '));
  return out;
}

const PREDEFINED: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface ParsedCron {
  calendar?: CalendarStrings | undefined;
  interval?: IntervalSeconds | undefined;
  timezone: string;
}

/** calendar.go parseCronString, stopping before the calendar strings are turned into ranges. */
export function parseCronFields(input: string): ParsedCron {
  let c = input.trim();
  let timezone = '';
  if (c.startsWith('TZ=') || c.startsWith('CRON_TZ=')) {
    const space = c.indexOf(' ');
    if (space < 0) throw new SpecError('CronString has time zone but missing fields');
    timezone = c.slice(c.indexOf('=') + 1, space);
    c = c.slice(space + 1);
  }
  const hash = c.indexOf('#');
  const comment = hash >= 0 ? c.slice(hash + 1).trim() : '';
  c = (hash >= 0 ? c.slice(0, hash) : c).trim();
  if (c.startsWith('@every')) {
    const [, rest] = splitOnce(c, ' ');
    if (rest === undefined) throw new SpecError('CronString does not have interval after @every');
    const [every, phase] = splitOnce(rest, '/');
    return {
      interval: { interval: parseGoDuration(every), phase: phase === undefined ? 0 : parseGoDuration(phase) },
      timezone: '',
    };
  }
  c = PREDEFINED[c] ?? c;
  const toks = c.split(/\s+/).filter((t) => t !== '');
  const cal: CalendarStrings = comment ? { comment } : {};
  if (toks.length === 5) [cal.minute, cal.hour, cal.dayOfMonth, cal.month, cal.dayOfWeek] = toks;
  else if (toks.length === 6) [cal.minute, cal.hour, cal.dayOfMonth, cal.month, cal.dayOfWeek, cal.year] = toks;
  else if (toks.length === 7)
    [cal.second, cal.minute, cal.hour, cal.dayOfMonth, cal.month, cal.dayOfWeek, cal.year] = toks;
  else throw new SpecError('CronString does not have 5-7 fields');
  return { calendar: cal, timezone };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + sep.length)];
}

const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** Go duration strings as Temporal's timestamp.ParseDuration accepts them ("1h30m", "90s", "2d"), in seconds. */
export function parseGoDuration(s: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;
  if (s === '' || s === '0') {
    if (s === '0') return 0;
    throw new SpecError(`invalid duration ${JSON.stringify(s)}`);
  }
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new SpecError(`invalid duration ${JSON.stringify(s)}`);
    total += Number(m[1]) * GO_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  return total;
}

/** Ranges with Temporal's defaults filled in (end at least start, step at least 1), as DescribeSchedule shows them. */
export function cleanRanges(ranges: Range[] | undefined): Range[] | undefined {
  return ranges?.map((r) => {
    const start = r.start ?? 0;
    return { start, end: Math.max(r.end ?? 0, start), step: r.step || 1 };
  });
}

export function validateStructuredCalendar(c: StructuredCalendar): void {
  const errors: string[] = [];
  const check = (ranges: Range[] | undefined, field: string, min: number, max: number) => {
    for (const r of ranges ?? []) {
      const start = r.start ?? 0;
      const end = r.end ?? 0;
      if (start < min || start > max) errors.push(`${field} Start is not in range [${min}-${max}]`);
      if (end !== 0 && (end < start || end > max))
        errors.push(`${field} End is before Start or not in range [${min}-${max}]`);
      if ((r.step ?? 0) < 0) errors.push(`${field} has invalid Step`);
    }
  };
  check(c.second, 'Second', 0, 59);
  check(c.minute, 'Minute', 0, 59);
  check(c.hour, 'Hour', 0, 23);
  check(c.dayOfMonth, 'DayOfMonth', 1, 31);
  check(c.month, 'Month', 1, 12);
  check(c.year, 'Year', MIN_CALENDAR_YEAR, MAX_CALENDAR_YEAR);
  check(c.dayOfWeek, 'DayOfWeek', 0, 6);
  if ((c.comment ?? '').length > MAX_COMMENT_LEN) errors.push('comment is too long');
  if (errors.length > 0) throw new SpecError(`invalid calendar spec: ${errors.join(', ')}`);
}

function eachValue(ranges: Range[] | undefined, f: (v: number) => void): void {
  for (const r of ranges ?? []) {
    const start = r.start ?? 0;
    const step = r.step || 1;
    const end = Math.max(r.end ?? 0, start);
    for (let v = start; v <= end; v += step) f(v);
  }
}

function matcher(ranges: Range[] | undefined): (v: number) => boolean {
  const set = new Set<number>();
  eachValue(ranges, (v) => set.add(v));
  return (v) => set.has(v);
}

function yearMatcher(ranges: Range[] | undefined): (v: number) => boolean {
  if (!ranges || ranges.length === 0) return () => true;
  return matcher(ranges);
}

export function daysInMonth(month: number, year: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export class CompiledCalendar {
  private readonly year: (v: number) => boolean;
  private readonly month: (v: number) => boolean;
  private readonly dayOfMonth: (v: number) => boolean;
  private readonly dayOfWeek: (v: number) => boolean;
  private readonly hour: (v: number) => boolean;
  private readonly minute: (v: number) => boolean;
  private readonly second: (v: number) => boolean;

  constructor(
    cal: StructuredCalendar,
    private readonly tz: Zone,
  ) {
    this.year = yearMatcher(cal.year);
    this.month = matcher(cal.month);
    this.dayOfMonth = matcher(cal.dayOfMonth);
    this.dayOfWeek = matcher(cal.dayOfWeek);
    this.hour = matcher(cal.hour);
    this.minute = matcher(cal.minute);
    this.second = matcher(cal.second);
  }

  matches(unix: number): boolean {
    const w = this.tz.wallAt(unix);
    return (
      this.year(w.year) &&
      this.month(w.month) &&
      this.dayOfMonth(w.day) &&
      this.dayOfWeek(w.weekday) &&
      this.hour(w.hour) &&
      this.minute(w.minute) &&
      this.second(w.second)
    );
  }

  /** The earliest matching instant (unix seconds) after `after`, or undefined past the last calendar year. */
  next(after: number): number | undefined {
    const tz = this.tz;
    const w = tz.wallAt(after);
    let { year: y, month: mo, day: d, hour: h, minute: m, second: s } = w;
    // In the second copy of a repeated hour: an hour earlier has the same wall hour.
    let dstOffset = tz.wallAt(after - 3600).hour === h ? 3600 : 0;
    s++;
    outer: for (;;) {
      if (s >= 60) [m, s] = [m + 1, 0];
      if (m >= 60) {
        const prev = tz.date(y, mo, d, h, 0, 0);
        [h, m] = [h + 1, 0];
        const nextHour = tz.date(y, mo, d, h, 0, 0);
        // Moving to the next hour took two hours: a repeated hour was passed over, so visit its second copy.
        if (dstOffset === 0 && nextHour - prev > 3600) {
          h = h - 1;
          dstOffset = 3600;
        } else {
          dstOffset = 0;
        }
      }
      if (h >= 24) [d, h] = [d + 1, 0];
      if (d > daysInMonth(mo, y)) [mo, d] = [mo + 1, 1];
      if (mo > 12) [y, mo] = [y + 1, 1];
      if (y > MAX_CALENDAR_YEAR) return undefined;
      if (!this.year(y)) {
        [y, mo, d, h, m, s] = [y + 1, 1, 1, 0, 0, 0];
        dstOffset = 0;
        continue outer;
      }
      while (!this.month(mo)) {
        [mo, d, h, m, s] = [mo + 1, 1, 0, 0, 0];
        dstOffset = 0;
        if (mo > 12) continue outer;
      }
      while (!this.dayOfMonth(d) || !this.dayOfWeek(tz.wallAt(tz.date(y, mo, d, h, m, s)).weekday)) {
        [d, h, m, s] = [d + 1, 0, 0, 0];
        dstOffset = 0;
        if (d > daysInMonth(mo, y)) continue outer;
      }
      while (!this.hour(h)) {
        [h, m, s] = [h + 1, 0, 0];
        dstOffset = 0;
        if (h >= 24) continue outer;
      }
      while (!this.minute(m)) {
        [m, s] = [m + 1, 0];
        if (m >= 60) continue outer;
      }
      while (!this.second(s)) {
        s++;
        if (s >= 60) continue outer;
      }
      const nextTs = tz.date(y, mo, d, h, m, s);
      // A wall time skipped by a DST change resolves to another hour: it does not exist, move on.
      if (tz.wallAt(nextTs).hour !== h) {
        [h, m, s] = [h + 1, 0, 0];
        continue outer;
      }
      return nextTs + dstOffset;
    }
  }
}
