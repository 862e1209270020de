// Which firings of a scheduled rule are its calendar's and which were triggered by hand (domain/campaign.ts), checked
// against the calendar the API gives the Temporal Schedule (api/campaign-client.ts ruleCalendar).
import { describe, expect, it } from 'vitest';
import { ruleCalendar } from '../../api/campaign-client';
import { isCalendarFiring, triggeredRun, type RuleSpec } from '../../domain/campaign';
import { minuteOfDay, probability, hours, days, addMs, seconds, subMs, epochMs } from '../../domain/units';
import { utc } from '../support/instants';

const DAY = days(1);
const WEEKDAY_NAMES = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

describe('isCalendarFiring', () => {
  it('is true exactly at 12:00:00 UTC on the days the schedule calendar names, for every weekly rule', () => {
    for (let weekday = 1; weekday <= 7; weekday++) {
      const calendar = ruleCalendar({ kind: 'weekly', weekday });
      for (let d = 0; d < 14; d++) {
        const noon = epochMs(utc(2099, 2, 1) + d * DAY + 12 * 3_600_000);
        const named = WEEKDAY_NAMES[new Date(noon).getUTCDay()] === calendar.dayOfWeek;
        expect(isCalendarFiring({ kind: 'weekly', weekday }, noon), `${weekday} ${new Date(noon).toISOString()}`).toBe(
          named,
        );
        expect(isCalendarFiring({ kind: 'weekly', weekday }, addMs(noon, seconds(1)))).toBe(false);
        expect(isCalendarFiring({ kind: 'weekly', weekday }, subMs(noon, hours(1)))).toBe(false);
      }
    }
  });

  it('follows the monthly calendar, the 28th to 31st for a rule on the 1st', () => {
    const noon = (day: number) => utc(2099, 0, day, 12);
    expect(isCalendarFiring({ kind: 'monthly', day: 15 }, noon(14))).toBe(true);
    expect(isCalendarFiring({ kind: 'monthly', day: 15 }, noon(15))).toBe(false);
    expect([27, 28, 29, 30, 31].map((d) => isCalendarFiring({ kind: 'monthly', day: 1 }, noon(d)))).toEqual([
      false,
      true,
      true,
      true,
      true,
    ]);
    expect(ruleCalendar({ kind: 'monthly', day: 1 }).dayOfMonth).toEqual({ start: 28, end: 31 });
    expect(ruleCalendar({ kind: 'monthly', day: 15 }).dayOfMonth).toBe(14);
  });
});

describe('triggeredRun', () => {
  it('sends the rule’s message now, under an id stamped with the trigger time', () => {
    const rule: RuleSpec = {
      segment: { field: 'locale', op: 'eq', value: 'en' },
      message: { category: 'content', template: 'new_content', variables: {}, businessValue: probability(0.5) },
      ttlMs: hours(1),
      ratePerSecond: 10,
      recurrence: { kind: 'weekly', weekday: 1 },
      minuteOfDay: minuteOfDay(480),
      windowMs: hours(1),
      late: 'skip',
    };
    const run = triggeredRun('weekly-digest', rule, utc(2099, 3, 8, 14, 0, 30, 250));
    expect(run.id).toBe('weekly-digest.now-20990408-140030');
    expect(run.spec.sendTime).toEqual({ kind: 'now' });
    expect(run.spec).not.toHaveProperty('recurrence');
    expect(run.spec.message).toEqual(rule.message);
  });
});
