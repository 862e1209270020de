// Europe/Paris wall-clock time from the EU summer-time rule itself (Directive 2000/84/EC), independent of
// domain/time.ts, so tests can state expected local times without the code under test: CET (UTC+1), and CEST
// (UTC+2) from 01:00 UTC on the last Sunday of March until 01:00 UTC on the last Sunday of October.
import type { EpochMs } from '../../../domain/types';
import { hours, minutes, addMs, days, scaleMs, subMs } from '../../../domain/units';
import { utc } from '../../support/instants';
import { nth, present } from '../../../domain/present';

const MINUTE = minutes(1);
const HOUR = hours(1);
const DAY = days(1);
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

export type Weekday = (typeof WEEKDAYS)[number];

/** A calendar date; month is 1..12. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export interface ClockChange {
  /** The instant the clocks move (01:00 UTC). */
  at: EpochMs;
  /** The local (and UTC) calendar date of that Sunday. */
  sunday: CivilDate;
  /** forward: 02:00 CET → 03:00 CEST (a 23-hour day); back: 03:00 CEST → 02:00 CET (a 25-hour day). */
  direction: 'forward' | 'back';
}

/** 00:00 UTC of the last Sunday of `month` (1..12) in `year`. */
function lastSunday(year: number, month: number): EpochMs {
  const lastDay = utc(year, month, 0);
  return subMs(lastDay, scaleMs(DAY, new Date(lastDay).getUTCDay()));
}

function summerTime(year: number): { starts: EpochMs; ends: EpochMs } {
  return { starts: addMs(lastSunday(year, 3), HOUR), ends: addMs(lastSunday(year, 10), HOUR) };
}

/** Paris's UTC offset at an instant. */
export function parisOffsetMs(at: EpochMs): number {
  const { starts, ends } = summerTime(new Date(at).getUTCFullYear());
  return at >= starts && at < ends ? 2 * HOUR : HOUR;
}

export function addDays(date: CivilDate, days: number): CivilDate {
  const d = new Date(utc(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function parseHhMm(hhmm: string): { hour: number; minute: number } {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new RangeError(`expected HH:MM, got "${hhmm}"`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** The instant the Paris wall clock shows `hhmm` on `date`; throws for a time a clock change skips or repeats. */
export function parisInstant(date: CivilDate, hhmm: string): EpochMs {
  const { hour, minute } = parseHhMm(hhmm);
  const wall = utc(date.year, date.month - 1, date.day, hour, minute);
  const instants = [hours(2), HOUR]
    .map((offset) => subMs(wall, offset))
    .filter((at) => parisOffsetMs(at) === wall - at);
  if (instants.length !== 1) {
    throw new RangeError(`${hhmm} on ${JSON.stringify(date)} is ${instants.length === 0 ? 'skipped' : 'repeated'}`);
  }
  return nth(instants, 0);
}

/** What the Paris wall clock shows at an instant, to the minute (seconds are truncated). */
export function parisWall(at: EpochMs): { date: CivilDate; weekday: Weekday; hhmm: string } {
  const wall = new Date(at + parisOffsetMs(at));
  const hhmm = `${String(wall.getUTCHours()).padStart(2, '0')}:${String(wall.getUTCMinutes()).padStart(2, '0')}`;
  return {
    date: { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() },
    weekday: present(WEEKDAYS[wall.getUTCDay()], 'WEEKDAYS[wall.getUTCDay()]'),
    hhmm,
  };
}

/** The first EU clock change strictly after `after`. */
export function nextClockChange(after: EpochMs): ClockChange {
  const year = new Date(after).getUTCFullYear();
  for (const y of [year, year + 1]) {
    const { starts, ends } = summerTime(y);
    for (const [at, direction] of [
      [starts, 'forward'],
      [ends, 'back'],
    ] as const) {
      if (at > after) {
        const d = new Date(at);
        return { at, direction, sunday: { year: y, month: d.getUTCMonth() + 1, day: d.getUTCDate() } };
      }
    }
  }
  throw new Error('unreachable: every year has two clock changes');
}

/**
 * Where the platform's time-zone database disagrees with the EU rule for Europe/Paris between `from` and `to`,
 * checked every 30 minutes (empty when they agree). A test whose expectations use this module depends on it.
 */
export function tzdataDisagreements(from: EpochMs, to: EpochMs): string[] {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const problems: string[] = [];
  for (let at = from; at <= to; at = addMs(at, scaleMs(MINUTE, 30))) {
    const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
    const ours = parisWall(at);
    const theirs = `${parts.weekday} ${parts.hour}:${parts.minute}`;
    if (theirs !== `${ours.weekday} ${ours.hhmm}`) {
      problems.push(`${new Date(at).toISOString()}: tzdata ${theirs}, EU rule ${ours.weekday} ${ours.hhmm}`);
    }
  }
  return problems;
}
