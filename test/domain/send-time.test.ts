import { describe, expect, it } from 'vitest';
import {
  MIN_LIFT_GAIN_TO_WAIT,
  HOURS_PER_WEEK,
  POPULATION_HOUR_OF_WEEK,
  bestSendTime,
  bestSlot,
  recordEngagement,
  sendSlots,
  smoothedPropensity,
} from '../../domain/send-time';
import { hourOfWeek, localParts } from '../../domain/time';
import { hours, days, addMs, epochMs, EPOCH } from '../../domain/units';
import { utc } from '../support/instants';
import type { EpochMs } from '../../domain/types';
import { nth, present } from '../../domain/present';

const DAY = days(1);
const PARIS = 'Europe/Paris';
const paris = (day: number, h: number, m = 0) => utc(2024, 5, day, h - 2, m); // June 2024, Mon = 3rd

describe('population prior', () => {
  it('is a distribution over 168 hours with evening peaks and quiet nights', () => {
    expect(POPULATION_HOUR_OF_WEEK).toHaveLength(HOURS_PER_WEEK);
    expect(POPULATION_HOUR_OF_WEEK.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const tuesday = POPULATION_HOUR_OF_WEEK.slice(24, 48);
    expect(tuesday.indexOf(Math.max(...tuesday))).toBe(20);
    expect(nth(tuesday, 3)).toBeLessThan(nth(tuesday, 20) / 10);
  });
});

describe('bestSendTime', () => {
  it('gives a new user the population’s evening peak', () => {
    const best = bestSendTime([], paris(4, 9), PARIS);
    expect(localParts(best.at, PARIS)).toMatchObject({ day: 4, hour: 20, minute: 0 });
    expect(best.propensity).toBeGreaterThan(1);
  });

  it('gives an active user their own peak once they have engaged there enough', () => {
    let counts: number[] = [];
    let last: EpochMs | undefined;
    for (let week = 0; week < 3; week++) {
      for (let day = 0; day < 5; day++) {
        const at = epochMs(paris(3 + day, 7, 15) - (3 - week) * 7 * DAY); // weekday mornings 07:15
        counts = recordEngagement(counts, at, PARIS, 14, last);
        last = at;
      }
    }
    const best = bestSendTime(counts, paris(24, 9), PARIS); // Monday 24 June 09:00
    expect(localParts(best.at, PARIS)).toMatchObject({ day: 25, hour: 7, minute: 0 });
  });

  it('blends: a single engagement does not override the population pattern', () => {
    const counts = recordEngagement([], paris(3, 4), PARIS);
    expect(localParts(bestSendTime(counts, paris(4, 9), PARIS).at, PARIS).hour).toBe(20);
  });

  it('returns now when the current hour is the best, and stays within the horizon', () => {
    const now = paris(4, 20, 30);
    expect(bestSendTime([], now, PARIS).at).toBe(now);
    const best = bestSendTime([], paris(4, 9), PARIS, hours(3));
    expect(best.at).toBeGreaterThanOrEqual(paris(4, 9));
    expect(best.at).toBeLessThan(paris(4, 12));
  });

  it('lists the slots once, so candidates with different expiries can each take the best they can make', () => {
    const from = paris(4, 7, 10);
    const slots = sendSlots([], from, PARIS);
    expect(slots[0]).toMatchObject({ at: from });
    expect(nth(slots, 1).at).toBe(paris(4, 8));
    expect(present(slots.at(-1), 'the last of slots').at).toBe(paris(5, 7));
    expect(bestSlot(slots)).toEqual(bestSendTime([], from, PARIS));
    expect(bestSlot(slots).at).toBe(paris(4, 20));
    // Expiring at 10:00: the 08:00 morning peak is the best it can still make, but only 0.03 % better than now
    // (07:10), which is not worth waiting for; expiring at once, only `from` counts.
    expect(bestSlot(slots, paris(4, 10)).at).toBe(from);
    expect(bestSlot(slots, from).at).toBe(from);
  });

  it('steps through local hours in half-hour zones across a half-hour DST change', () => {
    const tz = 'Australia/Lord_Howe';
    const best = bestSendTime([], utc(2024, 9, 5, 12), tz); // Sat 22:30, clocks go 02:00 → 02:30
    expect(localParts(best.at, tz).minute).toBe(0);
  });
});

describe('recordEngagement', () => {
  it('adds one at the local hour of week and decays the rest with the half-life', () => {
    const first = recordEngagement([], paris(3, 7, 30), PARIS);
    expect(first[hourOfWeek(paris(3, 7, 30), PARIS)]).toBe(1);
    const second = recordEngagement(first, addMs(paris(3, 7, 30), days(14)), PARIS, 14, paris(3, 7, 30));
    expect(second[7]).toBeCloseTo(1.5, 10);
    expect(first[7]).toBe(1); // not mutated
  });

  it('adds an out-of-order engagement already decayed', () => {
    const base = recordEngagement([], paris(17, 12), PARIS);
    const late = recordEngagement(base, paris(3, 12), PARIS, 14, paris(17, 12));
    expect(late[12]).toBeCloseTo(1.5, 10);
  });

  it('treats malformed counts as empty and rejects a non-positive half-life', () => {
    expect(recordEngagement([1, 2, 3], paris(3, 0), PARIS).reduce((a, b) => a + b, 0)).toBe(1);
    expect(() => recordEngagement([], EPOCH, PARIS, 0)).toThrow(RangeError);
  });

  it('smooths toward the prior: the smoothed propensity always sums to 1', () => {
    const counts = recordEngagement([], paris(3, 12), PARIS);
    expect(smoothedPropensity(counts).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });
});

describe('bestSlot', () => {
  const slot = (hour: number, propensity: number) => ({ at: paris(4, hour), propensity });

  it('keeps the first slot unless waiting buys more than MIN_LIFT_GAIN_TO_WAIT', () => {
    // Re-optimized at the planned Friday 20:00, the same hour a day later being 0.15 % better must not win.
    expect(bestSlot([slot(20, 2.744), slot(21, 1.5), slot(23, 2.748)]).at).toBe(paris(4, 20));
    expect(bestSlot([slot(7, 1.0), slot(8, 1.0 * (1 + MIN_LIFT_GAIN_TO_WAIT) + 1e-9)]).at).toBe(paris(4, 8));
    expect(bestSlot([slot(7, 1.0), slot(8, 1.2), slot(9, 1.5)]).at).toBe(paris(4, 9));
  });
});
