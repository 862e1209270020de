import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, withOverrides } from '../../domain/config';
import { inQuietHours, nextQuietHoursStart, quietHoursEnd } from '../../domain/quiet-hours';
import type { Preferences } from '../../domain/types';
import { NO_PREFS } from './simulator';
import { minuteOfDay } from '../../domain/units';
import { utc } from '../support/instants';

const PARIS = 'Europe/Paris';
/** An instant at a Paris wall time in June (UTC+2). */
const parisJune = (day: number, h: number, m = 0) => utc(2024, 5, day, h - 2, m);
const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
const prefs = (p: Partial<Preferences>): Preferences => ({ ...NO_PREFS, ...p });

describe('default quiet hours 22:00–07:00', () => {
  it('are inclusive at 22:00 and exclusive at 07:00', () => {
    expect(inQuietHours(parisJune(3, 21, 59), PARIS, NO_PREFS)).toBe(false);
    expect(inQuietHours(parisJune(3, 22, 0), PARIS, NO_PREFS)).toBe(true);
    expect(inQuietHours(parisJune(4, 3, 0), PARIS, NO_PREFS)).toBe(true);
    expect(inQuietHours(parisJune(4, 6, 59), PARIS, NO_PREFS)).toBe(true);
    expect(inQuietHours(parisJune(4, 7, 0), PARIS, NO_PREFS)).toBe(false);
  });

  it('end at the next 07:00 local, across midnight', () => {
    expect(iso(quietHoursEnd(parisJune(3, 23, 30), PARIS, NO_PREFS))).toBe(iso(parisJune(4, 7)));
    expect(iso(quietHoursEnd(parisJune(4, 1, 0), PARIS, NO_PREFS))).toBe(iso(parisJune(4, 7)));
    expect(quietHoursEnd(parisJune(4, 12, 0), PARIS, NO_PREFS)).toBeNull();
  });

  it('end at 07:00 local on the night clocks spring forward (7.5 real hours after 23:30)', () => {
    const at = utc(2024, 2, 30, 22, 30); // Sat 23:30 CET
    expect(iso(quietHoursEnd(at, PARIS, NO_PREFS))).toBe('2024-03-31T05:00:00.000Z'); // 07:00 CEST
    const ny = utc(2024, 10, 3, 3, 30); // Sat 23:30 EDT, clocks fall back at 02:00
    expect(iso(quietHoursEnd(ny, 'America/New_York', NO_PREFS))).toBe('2024-11-03T12:00:00.000Z'); // 07:00 EST
  });

  it('follow the user’s own time zone at UTC+13 and UTC-11', () => {
    const at = utc(2024, 5, 3, 10); // 23:00 in Tonga, 23:00 the day before in Pago Pago
    expect(inQuietHours(at, 'Pacific/Tongatapu', NO_PREFS)).toBe(true);
    expect(inQuietHours(at, 'Pacific/Pago_Pago', NO_PREFS)).toBe(true);
    expect(iso(quietHoursEnd(at, 'Pacific/Tongatapu', NO_PREFS))).toBe('2024-06-03T18:00:00.000Z');
    expect(iso(quietHoursEnd(at, 'Pacific/Pago_Pago', NO_PREFS))).toBe('2024-06-03T18:00:00.000Z');
    expect(inQuietHours(utc(2024, 5, 3, 0), 'Pacific/Tongatapu', NO_PREFS)).toBe(false); // 13:00
  });
});

describe('custom windows and night opt-in', () => {
  it('handles a window that does not cross midnight (13:00–15:00)', () => {
    const p = prefs({ quietHours: { start: minuteOfDay(13 * 60), end: minuteOfDay(15 * 60) } });
    expect(inQuietHours(parisJune(3, 12, 59), PARIS, p)).toBe(false);
    expect(inQuietHours(parisJune(3, 14, 0), PARIS, p)).toBe(true);
    expect(inQuietHours(parisJune(3, 23, 0), PARIS, p)).toBe(false);
    expect(iso(quietHoursEnd(parisJune(3, 14, 0), PARIS, p))).toBe(iso(parisJune(3, 15)));
  });

  it('handles a custom window crossing midnight (20:30–08:15)', () => {
    const p = prefs({ quietHours: { start: minuteOfDay(20 * 60 + 30), end: minuteOfDay(8 * 60 + 15) } });
    expect(inQuietHours(parisJune(3, 20, 29), PARIS, p)).toBe(false);
    expect(inQuietHours(parisJune(3, 20, 30), PARIS, p)).toBe(true);
    expect(inQuietHours(parisJune(4, 8, 0), PARIS, p)).toBe(true);
    expect(iso(quietHoursEnd(parisJune(3, 21, 0), PARIS, p))).toBe(iso(parisJune(4, 8, 15)));
  });

  it('has no quiet hours for a night opt-in or an empty window', () => {
    for (const p of [
      prefs({ nightDelivery: true }),
      prefs({ quietHours: { start: minuteOfDay(600), end: minuteOfDay(600) } }),
    ]) {
      expect(inQuietHours(parisJune(4, 3, 0), PARIS, p)).toBe(false);
      expect(quietHoursEnd(parisJune(4, 3, 0), PARIS, p)).toBeNull();
    }
  });

  it('uses the deployment default when the user has no window, and the user’s window over it', () => {
    const config = withOverrides(DEFAULT_POLICY, { defaultQuietHours: { start: 21 * 60, end: 9 * 60 } });
    expect(inQuietHours(parisJune(4, 8, 0), PARIS, NO_PREFS, config)).toBe(true);
    expect(inQuietHours(parisJune(4, 8, 0), PARIS, NO_PREFS)).toBe(false);
    const own = prefs({ quietHours: { start: minuteOfDay(23 * 60), end: minuteOfDay(6 * 60) } });
    expect(inQuietHours(parisJune(4, 8, 0), PARIS, own, config)).toBe(false);
  });
});

describe('the next start of quiet hours', () => {
  it('is the next 22:00 local outside them, the instant itself inside them, and none with night delivery', () => {
    expect(iso(nextQuietHoursStart(parisJune(3, 21, 50), PARIS, NO_PREFS))).toBe(iso(parisJune(3, 22)));
    expect(iso(nextQuietHoursStart(parisJune(3, 8, 0), PARIS, NO_PREFS))).toBe(iso(parisJune(3, 22)));
    expect(iso(nextQuietHoursStart(parisJune(3, 23, 0), PARIS, NO_PREFS))).toBe(iso(parisJune(3, 23)));
    expect(nextQuietHoursStart(parisJune(3, 21, 50), PARIS, prefs({ nightDelivery: true }))).toBeNull();
    const custom = prefs({ quietHours: { start: minuteOfDay(13 * 60), end: minuteOfDay(14 * 60) } });
    expect(iso(nextQuietHoursStart(parisJune(3, 14, 30), PARIS, custom))).toBe(iso(parisJune(4, 13)));
  });
});
