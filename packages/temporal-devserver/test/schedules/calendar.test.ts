// The calendar port checked against temporalio/temporal's own calendar_test.go sequences (DST included).
import { describe, expect, it } from 'vitest';
import { CompiledCalendar, parseCalendar, parseCronFields } from '../../src/schedules/calendar';
import { canonicalizeSpec, CompiledSpec } from '../../src/schedules/spec';
import { Zone } from '../../src/schedules/zone';

const iso = (unix: number | undefined) => (unix === undefined ? 'none' : new Date(unix * 1000).toISOString());
const at = (s: string) => Date.parse(s) / 1000;

function sequence(cron: string, start: string, count: number): string[] {
  const parsed = parseCronFields(cron);
  const cc = new CompiledCalendar(parseCalendar(parsed.calendar!), Zone.load(parsed.timezone));
  const out: string[] = [];
  let t: number | undefined = at(start);
  for (let i = 0; i < count && t !== undefined; i++) {
    t = cc.next(t);
    out.push(iso(t));
  }
  return out;
}

describe('calendar (Temporal calendar_test.go)', () => {
  it('spring forward: a time in the skipped hour does not exist', () => {
    // 2022-03-11 20:00 PST; March 13 has no 2:33:33
    expect(sequence('CRON_TZ=US/Pacific 33 33 2 * * * *', '2022-03-12T04:00:00Z', 2)).toEqual([
      '2022-03-12T10:33:33.000Z', // 02:33:33 PST
      '2022-03-14T09:33:33.000Z', // 02:33:33 PDT
    ]);
  });

  it('fall back: both copies of a repeated hour match, then the next day', () => {
    expect(sequence('CRON_TZ=US/Pacific 33 33,44 1 * * * *', '2021-11-07T07:15:15Z', 5)).toEqual([
      '2021-11-07T08:33:33.000Z', // 01:33:33 PDT
      '2021-11-07T08:44:33.000Z',
      '2021-11-07T09:33:33.000Z', // 01:33:33 PST
      '2021-11-07T09:44:33.000Z',
      '2021-11-08T09:33:33.000Z',
    ]);
  });

  it('Go resolves a nonexistent wall time to the hour before (TestGoDSTBehavior)', () => {
    const z = Zone.load('US/Pacific');
    expect(z.date(2022, 3, 13, 2, 33, 33)).toBe(z.date(2022, 3, 13, 1, 33, 33));
  });

  it('ranges, steps, names and Sunday as 7', () => {
    const cal = parseCalendar({ hour: '1-5/2,8', dayOfWeek: 'Wed-7', month: 'February/5' });
    expect(cal.hour).toEqual([{ start: 1, end: 5, step: 2 }, { start: 8 }]);
    expect(cal.dayOfWeek).toEqual([{ start: 0 }, { start: 3, end: 6 }]);
    expect(cal.month).toEqual([{ start: 2, end: 12, step: 5 }]);
    const everyDay = new CompiledCalendar(parseCalendar({ dayOfWeek: '3-7' }), Zone.load('UTC'));
    // 2024-06-02 is a Sunday: "3-7" includes it.
    expect(iso(everyDay.next(at('2024-06-01T12:00:00Z')))).toBe('2024-06-02T00:00:00.000Z');
  });

  it('predefined cron names and @every with phase', () => {
    const spec = new CompiledSpec(canonicalizeSpec({ cronString: ['@daily'], timezoneName: 'Europe/Berlin' }));
    expect(new Date(spec.nextTime('', Date.parse('2024-06-01T12:00:00Z'))!.next).toISOString()).toBe(
      '2024-06-01T22:00:00.000Z',
    );
    const every = new CompiledSpec(canonicalizeSpec({ cronString: ['@every 1h/15m'] }));
    expect(new Date(every.nextTime('', Date.parse('2024-06-01T12:20:00Z'))!.next).toISOString()).toBe(
      '2024-06-01T13:15:00.000Z',
    );
  });

  it('exclusions, end time and jitter bounds', () => {
    const spec = new CompiledSpec(
      canonicalizeSpec({
        interval: [{ interval: { seconds: 3600 } }],
        excludeCalendar: [{ hour: '13', minute: '*', second: '*' }],
        endTime: { seconds: at('2024-06-01T15:00:00Z') },
      }),
    );
    const times: string[] = [];
    let t: number | undefined = Date.parse('2024-06-01T11:30:00Z');
    for (;;) {
      t = spec.nextTime('', t)?.next;
      if (t === undefined) break;
      times.push(new Date(t).toISOString());
    }
    expect(times).toEqual(['2024-06-01T12:00:00.000Z', '2024-06-01T14:00:00.000Z', '2024-06-01T15:00:00.000Z']);
    const jittered = new CompiledSpec(
      canonicalizeSpec({ interval: [{ interval: { seconds: 60 } }], jitter: { seconds: 30 } }),
    );
    const n = jittered.nextTime('seed', Date.parse('2024-06-01T12:00:00Z'))!;
    expect(n.nominal).toBe(Date.parse('2024-06-01T12:01:00Z'));
    expect(n.next - n.nominal).toBeGreaterThanOrEqual(0);
    expect(n.next - n.nominal).toBeLessThan(30_000);
  });

  it('bad specs are refused with the field named', () => {
    expect(() => canonicalizeSpec({ calendar: [{ hour: '25' }] })).toThrow(/Hour is not in range \[0-23\]/);
    expect(() => canonicalizeSpec({ cronString: ['* * *'] })).toThrow(/5-7 fields/);
    expect(() => canonicalizeSpec({ interval: [{ interval: { seconds: 10 }, phase: { seconds: 10 } }] })).toThrow(
      /phase/,
    );
  });
});
