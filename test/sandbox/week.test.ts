// The policy sandbox's week for one user matches the same user's week in the workflow tests: the exact week of
// test/workflows/week-exact.test.ts (inputs and hand-derived outcomes in test/workflows/support/exact-week.ts), played
// through the whole product (HTTP API, worker with the production activities, PostgreSQL, dry-run outbox) by
// `sandbox/`, ends with exactly the outcomes that test expects of the workflow alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/product';
import { formatWeek } from '../../sandbox/run';
import type { SandboxInput, SandboxUser } from '../../sandbox/users';
import { dayStartFor, playDays, type StartDate } from '../../sandbox/week';
import { EXPECTED, INPUTS, TEMPLATES, TZ, WEEK, weekClock, type LocalTime } from '../workflows/support/exact-week';
import { addDays, nextClockChange } from '../workflows/support/paris-clock';
import { TEST_START_MS } from '../support/test-clock';
import { days, addMs, minutes, subMs } from '../../domain/units';
import { present } from '../../domain/present';

// The clocks go forward in the first EU change after the test start's week (the workflow test plays it too).
const change = nextClockChange(addMs(TEST_START_MS, days(6)));
const wednesday = addDays(change.sunday, -4);
const START =
  `${wednesday.year}-${String(wednesday.month).padStart(2, '0')}-${String(wednesday.day).padStart(2, '0')}` as StartDate;

/** "Thu 07:00" → "d1 07:00" (the week starts on Wednesday). */
function local(at: LocalTime): `d${number} ${string}` {
  const [day, hhmm] = at.split(' ') as [(typeof WEEK)[number], string];
  const [hh, mm] = hhmm.split(':');
  return `d${WEEK.indexOf(day)} ${present(hh, 'hh').padStart(2, '0')}:${present(mm, 'mm').padStart(2, '0')}`;
}

/** Templates the API and the real renderer accept need their required variables; the workflow test's dry run did not. */
const VARIABLES: Record<string, Record<string, string | number>> = {
  promo_available: { offer: 'Pro', discount: 20, ends_at: '2099-12-31T00:00:00Z' },
  streak_at_risk: { streak_days: 12, deadline: '2099-12-31T00:00:00Z' },
};

function sandboxUser(): SandboxUser {
  const profile = present(
    INPUTS.find((input) => input.kind === 'profile'),
    "the INPUTS entry where input.kind === 'profile'",
  );
  const inputs: SandboxInput[] = INPUTS.flatMap((input): SandboxInput[] => {
    const at = local(input.at);
    switch (input.kind) {
      case 'profile':
        return [];
      case 'event':
        return [
          {
            at,
            event: {
              id: input.id,
              type: input.type,
              properties: input.props as Record<string, string | number | boolean>,
              ...(input.occurred ? { occurred: local(input.occurred) } : {}),
            },
          },
        ];
      case 'candidate': {
        const template = present(TEMPLATES[input.category], 'TEMPLATES[input.category]');
        return [
          {
            at,
            candidate: {
              id: input.id,
              category: input.category,
              template,
              ...(VARIABLES[template] ? { variables: VARIABLES[template] } : {}),
              businessValue: input.businessValue,
              expires: local(input.expires),
              ...(input.notBefore ? { notBefore: local(input.notBefore) } : {}),
            },
          },
        ];
      }
      case 'optOut':
        return [{ at, preferences: { optedOutCategories: [input.category] } }];
      case 'opened':
        return [{ at, opened: input.notificationId }];
    }
  });
  return {
    id: 'sandbox-week-exact',
    timeZone: TZ,
    locale: 'en-US',
    joins: local(profile.at),
    // Every channel reachable, as the workflow test's delivery has them: each send goes on its category's first.
    email: 'ada@example.org',
    phone: '+33612345678',
    push: 'ios',
    inputs,
  };
}

let sandbox: Sandbox;
const user = sandboxUser();
const dayStart = dayStartFor(START);

beforeAll(async () => {
  sandbox = await startSandbox({ startAt: subMs(dayStart(TZ, 0), minutes(1)) });
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

describe('the policy sandbox', () => {
  it("plays the workflow tests' exact week through the whole product with the same outcomes", async () => {
    expect(change.direction).toBe('forward');
    const [week] = await playDays(sandbox, [user], { start: START, days: 7 });
    const label = weekClock(change.sunday).label;
    const actual = new Map(
      present(week, 'week').outcomes.map((o) => [
        o.candidateId,
        o.outcome === 'sent'
          ? `sent ${o.channel} ${label(present(o.at, 'o.at'))}`
          : o.outcome === 'suppressed'
            ? `suppressed ${o.reason} ${label(present(o.at, 'o.at'))}`
            : 'pending',
      ]),
    );
    const expectedIds = EXPECTED.map(([id]) => id);
    const unexpected = [...actual.keys()].filter((id) => !expectedIds.includes(id));
    const lines = (ids: string[], outcome: (id: string) => string | undefined) =>
      ids.map((id) => `${id}: ${outcome(id) ?? '(no outcome)'}`);
    expect(
      lines([...expectedIds, ...unexpected], (id) => actual.get(id)),
      formatWeek(present(week, 'week'), dayStart),
    ).toEqual(lines(expectedIds, (id) => EXPECTED.find(([e]) => e === id)?.[1]));
  }, 600_000);
});
