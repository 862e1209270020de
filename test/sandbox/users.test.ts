// The sandbox's users: the file format's checks, the simulated cohort and the simulated days' local midnights.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localParts } from '../../domain/time';
import { loadUsers } from '../../sandbox/users';
import { dayStartFor, instantOf } from '../../sandbox/week';
import { nth, present } from '../../domain/present';

const dayStart = dayStartFor('2099-03-25');

function usersFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tact-sandbox-users-')), 'users.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('sandbox users', () => {
  it('starts each simulated day at local midnight, across zones and a clock change', () => {
    expect(new Date(dayStart('Europe/Paris', 0)).toISOString()).toBe('2099-03-24T23:00:00.000Z');
    expect(new Date(dayStart('Pacific/Kiritimati', 0)).toISOString()).toBe('2099-03-24T10:00:00.000Z');
    expect(new Date(dayStart('Pacific/Honolulu', 0)).toISOString()).toBe('2099-03-25T10:00:00.000Z');
    // 2099-03-29 is the EU clock change: that Sunday lasts 23 h in Paris.
    expect(dayStart('Europe/Paris', 5) - dayStart('Europe/Paris', 4)).toBe(23 * 3_600_000);
    const at = instantOf(dayStart, 'Europe/Paris', 'd4 07:00');
    expect(localParts(at, 'Europe/Paris')).toMatchObject({ day: 29, hour: 7, minute: 0 });
  });

  it('reads a users file and names what is wrong in a bad one', () => {
    const users = loadUsers(
      usersFile({ users: [{ id: 'ada', timeZone: 'Europe/Paris', inputs: [{ at: 'd0 09:00', session: true }] }] }),
      7,
      dayStart,
    );
    expect(users).toEqual([
      {
        id: 'ada',
        timeZone: 'Europe/Paris',
        locale: 'en-US',
        joins: 'd0 00:00',
        inputs: [{ at: 'd0 09:00', session: true }],
      },
    ]);
    expect(() =>
      loadUsers(
        usersFile({ users: [{ id: 'ada', timeZone: 'Europe/Paris', inputs: [{ at: '9am', session: true }] }] }),
        7,
        dayStart,
      ),
    ).toThrow(/users\[0\]\.inputs\[0\]/);
  });

  it("builds a cohort from the population simulator's users, in time order within the days", () => {
    const cohort = loadUsers('cohort:3:7', 7, dayStart);
    expect(cohort.map((u) => u.id)).toEqual(['sim-7-0', 'sim-7-1', 'sim-7-2']);
    for (const user of cohort) {
      expect(user.inputs.length).toBeGreaterThan(5);
      const times = user.inputs.map((input) => instantOf(dayStart, user.timeZone, input.at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(nth(times, 0)).toBeGreaterThanOrEqual(dayStart(user.timeZone, 0));
      expect(present(times.at(-1), 'the last of times')).toBeLessThan(dayStart(user.timeZone, 7));
    }
  });
});
