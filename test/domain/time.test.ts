import { describe, expect, it } from 'vitest';
import {
  HOUR_MS,
  hourOfWeek,
  isValidTimeZone,
  localParts,
  nextLocalTime,
  offsetMs,
  startOfLocalDay,
  startOfNextLocalDay,
} from '../../domain/time';
import { minuteOfDay, type MinuteOfDay, durationMs, subMs, EPOCH } from '../../domain/units';
import { utc } from '../support/instants';
import type { EpochMs } from '../../domain/types';

const iso = (at: EpochMs) => new Date(at).toISOString();
const dayLengthHours = (noonUtc: EpochMs, tz: string) =>
  (startOfNextLocalDay(noonUtc, tz) - startOfLocalDay(noonUtc, tz)) / HOUR_MS;

describe('local calendar days across DST', () => {
  it.each([
    ['Europe/Paris', utc(2024, 2, 31, 12), 23],
    ['Europe/Paris', utc(2024, 9, 27, 12), 25],
    ['Europe/Paris', utc(2024, 5, 12, 12), 24],
    ['America/New_York', utc(2024, 2, 10, 17), 23],
    ['America/New_York', utc(2024, 10, 3, 17), 25],
    ['Australia/Lord_Howe', utc(2024, 9, 6, 2), 23.5],
    ['Australia/Lord_Howe', utc(2024, 3, 7, 2), 24.5],
    ['Pacific/Tongatapu', utc(2024, 2, 31, 0), 24],
    ['Pacific/Pago_Pago', utc(2024, 2, 31, 0), 24],
  ])('%s day containing %s lasts %s h', (tz, at, hours) => {
    expect(dayLengthHours(at, tz)).toBe(hours);
  });

  it('starts the Paris spring-forward day at local midnight (CET) and the next at midnight (CEST)', () => {
    const at = utc(2024, 2, 31, 12);
    expect(iso(startOfLocalDay(at, 'Europe/Paris'))).toBe('2024-03-30T23:00:00.000Z');
    expect(iso(startOfNextLocalDay(at, 'Europe/Paris'))).toBe('2024-03-31T22:00:00.000Z');
  });

  it('starts a day whose midnight is skipped (Santiago, clocks jump 00:00 → 01:00) at the jump', () => {
    const start = startOfLocalDay(utc(2024, 8, 8, 15), 'America/Santiago');
    expect(iso(start)).toBe('2024-09-08T04:00:00.000Z');
    expect(localParts(start, 'America/Santiago')).toMatchObject({ day: 8, hour: 1, minute: 0 });
  });

  it('is the same day for every instant of it, including the last millisecond', () => {
    const tz = 'America/New_York';
    const start = startOfLocalDay(utc(2024, 10, 3, 17), tz);
    const next = startOfNextLocalDay(start, tz);
    expect(startOfLocalDay(subMs(next, durationMs(1)), tz)).toBe(start);
    expect(startOfLocalDay(next, tz)).toBe(next);
  });
});

describe('localParts and hourOfWeek', () => {
  it('reads UTC+13 (Tongatapu) as the next calendar day', () => {
    expect(localParts(utc(2024, 5, 3, 12, 5), 'Pacific/Tongatapu')).toEqual({
      year: 2024,
      month: 6,
      day: 4,
      hour: 1,
      minute: 5,
      weekday: 1,
      minuteOfDay: minuteOfDay(65),
    });
  });

  it('reads UTC-11 (Pago Pago) as the previous calendar day', () => {
    expect(localParts(utc(2024, 5, 3, 10, 30), 'Pacific/Pago_Pago')).toMatchObject({
      day: 2,
      hour: 23,
      minute: 30,
      weekday: 6,
    });
  });

  it('counts hours of the week from Monday 00:00 local', () => {
    expect(hourOfWeek(utc(2024, 5, 2, 22), 'Europe/Paris')).toBe(0); // Mon 00:00 CEST
    expect(hourOfWeek(utc(2024, 5, 2, 21, 59), 'Europe/Paris')).toBe(167); // Sun 23:59
    expect(hourOfWeek(utc(2024, 5, 5, 9, 30), 'Asia/Kolkata')).toBe(2 * 24 + 15); // Wed 15:00 IST
  });

  it('knows the offset, half-hour zones included', () => {
    expect(offsetMs(utc(2024, 0, 1), 'Asia/Kolkata')).toBe(5.5 * HOUR_MS);
    expect(offsetMs(utc(2024, 0, 1), 'Australia/Lord_Howe')).toBe(11 * HOUR_MS);
    expect(offsetMs(utc(2024, 6, 1), 'Australia/Lord_Howe')).toBe(10.5 * HOUR_MS);
  });
});

describe('nextLocalTime', () => {
  it('finds the next 07:00 local, today or tomorrow', () => {
    const tz = 'Europe/Paris';
    expect(iso(nextLocalTime(utc(2024, 5, 3, 3), tz, minuteOfDay(7 * 60)))).toBe('2024-06-03T05:00:00.000Z');
    expect(iso(nextLocalTime(utc(2024, 5, 3, 5), tz, minuteOfDay(7 * 60)))).toBe('2024-06-04T05:00:00.000Z'); // strictly after
    expect(iso(nextLocalTime(utc(2024, 5, 3, 21, 30), tz, minuteOfDay(7 * 60)))).toBe('2024-06-04T05:00:00.000Z');
  });

  it('maps a wall time inside a DST gap to the first instant after the gap', () => {
    // Paris, 31 March 2024: 02:00 → 03:00. 02:30 does not exist.
    const at = nextLocalTime(utc(2024, 2, 30, 22), 'Europe/Paris', minuteOfDay(2 * 60 + 30));
    expect(iso(at)).toBe('2024-03-31T01:00:00.000Z');
    expect(localParts(at, 'Europe/Paris')).toMatchObject({ hour: 3, minute: 0 });
    // Lord Howe, 6 October 2024: 02:00 → 02:30.
    const lh = nextLocalTime(utc(2024, 9, 5, 12), 'Australia/Lord_Howe', minuteOfDay(2 * 60 + 15));
    expect(localParts(lh, 'Australia/Lord_Howe')).toMatchObject({ day: 6, hour: 2, minute: 30 });
  });

  it('finds both occurrences of a wall time repeated by a DST overlap', () => {
    // Paris, 27 October 2024: 03:00 → 02:00, so 02:30 happens at 00:30Z and at 01:30Z.
    const first = nextLocalTime(utc(2024, 9, 26, 22), 'Europe/Paris', minuteOfDay(150));
    expect(iso(first)).toBe('2024-10-27T00:30:00.000Z');
    expect(iso(nextLocalTime(first, 'Europe/Paris', minuteOfDay(150)))).toBe('2024-10-27T01:30:00.000Z');
    expect(iso(nextLocalTime(utc(2024, 9, 27, 1, 30), 'Europe/Paris', minuteOfDay(150)))).toBe(
      '2024-10-28T01:30:00.000Z',
    );
  });

  it('rejects a minute of day out of range', () => {
    expect(() => minuteOfDay(1440)).toThrow(RangeError);
    expect(() => minuteOfDay(-1)).toThrow(RangeError);
    expect(() => minuteOfDay(7.5)).toThrow(RangeError);
    // A value that skipped the constructor (cast from JSON) is still refused where it would be used.
    expect(() => nextLocalTime(EPOCH, 'UTC', 1440 as MinuteOfDay)).toThrow(RangeError);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zones and rejects anything else', () => {
    for (const tz of ['Europe/Paris', 'Pacific/Tongatapu', 'UTC', 'America/Argentina/Buenos_Aires']) {
      expect(isValidTimeZone(tz)).toBe(true);
    }
    for (const tz of ['', 'Mars/Olympus', 'Europe/Pariss', '+25:00']) expect(isValidTimeZone(tz)).toBe(false);
  });
});
