// A user's week through the real workflow on the time-skipping server, ending with EXACTLY the outcomes the rules
// allow: every candidate's outcome (sent on which channel at which local minute, or suppressed with which reason
// at which local minute) is derived by hand below from docs/product.md §2–4 with the default policy, never by calling
// the planner. A workflow that sends too much, too little, too early or too late fails this test.
//
// The rules used (defaults): at most 3 normal/promotional sends per local calendar day; at least 4 h between two
// non-critical sends (transactional ones included); quiet hours 22:00–07:00 local, waited out (not dropped) unless
// the candidate expires first; rolling 7-day category caps (marketing 2); critical (security) bypasses caps,
// cooldown and quiet hours and goes by SMS first; transactional (account) bypasses caps but waits out quiet hours;
// an opt-out drops the pending candidates it covers at once; a repeated event id or dedupeKey is a duplicate;
// a normal candidate's expected value below the 0.02 floor is held and ends `low_score` at expiry.
//
// Design choices that make every time predictable:
//  - The user's zone is Europe/Paris, and the week (Wed–Tue) contains the next EU clock change (a Sunday). Local
//    times are turned into instants by support/paris-clock.ts, from the EU rule itself, not from domain/time.ts.
//  - Candidates proposed directly (as journeys do) carry a TTL that ends before the next local hour after the
//    earliest time the rules allow: send-time optimization has no later slot to move them to, so they go at that
//    earliest time. One triggered candidate (new_content, TTL 48 h) shows the optimization instead: the user has
//    no app-open history, so their send-time model is the population prior, whose best hour of every weekday is
//    20:00 (domain/send-time.ts: the evening bump, centred on 20:30, is the largest; Monday to Friday share the
//    same curve, and ties go to the earliest time).
//  - The user opens every notification 5 minutes after it arrives, so they never become a low responder (that
//    takes 10 unopened sends) and expected values stay well above the floor. An open only adds engagement to the
//    hour of week it happens in, which no later decision of this week looks at.
//  - No two non-critical candidates ever compete for the same slot, so the auction's ordering by expected value
//    never decides an outcome; the one low-value candidate (businessValue 0.01) can never reach the 0.02 floor,
//    since expected value ≤ open probability × business value ≤ 0.01.
//  - When drops are dated (domain/planner.ts): a cap drop is decided at once, when the caps alone leave no slot
//    before expiry (sends only accumulate, so waiting cannot help); a candidate that waits and expires is dated
//    at its expiresAt; a suppression at admission (duplicate, opted out, already expired) is dated on arrival.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRIGGERS } from '../../domain';
import type { Category, Decision, EpochMs, UserEvent } from '../../domain/types';
import { DAY, HOUR, userEvent } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import {
  addDays,
  nextClockChange,
  parisInstant,
  parisWall,
  tzdataDisagreements,
  type CivilDate,
  type ClockChange,
} from './support/paris-clock';

const h = defineHarness();
const TZ = 'Europe/Paris';

/** The scenario's days: the EU clock change happens on its Sunday. */
const WEEK = ['Wed', 'Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue'] as const;
type Day = (typeof WEEK)[number];
/** A local wall-clock time in the scenario's week, e.g. "Thu 07:00". */
type LocalTime = `${Day} ${number}:${number}`;

/** Template names per category for proposed candidates (the dry-run delivery does not render them). */
const TEMPLATES: Record<Category, string> = {
  security: 'password_reset',
  account: 'payment_failed',
  social: 'friend_joined',
  content: 'new_content',
  reminder: 'streak_at_risk',
  marketing: 'promo_available',
};

type Input =
  | { at: LocalTime; kind: 'profile' }
  | { at: LocalTime; kind: 'event'; id: string; type: string; props: UserEvent['properties']; occurred?: LocalTime }
  | {
      at: LocalTime;
      kind: 'candidate';
      id: string;
      category: Category;
      businessValue: number;
      expires: LocalTime;
      notBefore?: LocalTime;
    }
  | { at: LocalTime; kind: 'optOut'; category: Category }
  | { at: LocalTime; kind: 'opened'; notificationId: string };

const propose = (
  at: LocalTime,
  id: string,
  category: Category,
  expires: LocalTime,
  options: { businessValue?: number; notBefore?: LocalTime } = {},
): Input => ({ at, kind: 'candidate', id, category, businessValue: options.businessValue ?? 0.9, expires, ...options });

const event = (
  at: LocalTime,
  id: string,
  type: string,
  props: UserEvent['properties'],
  occurred?: LocalTime,
): Input => ({ at, kind: 'event', id, type, props, ...(occurred ? { occurred } : {}) });

const opened = (at: LocalTime, notificationId: string): Input => ({ at, kind: 'opened', notificationId });

/** The candidate id the default trigger rules give an event's candidate. */
function triggered(eventId: string, eventType: string): string {
  const index = DEFAULT_TRIGGERS.findIndex((r) => r.eventType === eventType);
  if (index < 0) throw new Error(`no default trigger for ${eventType}`);
  return `${eventId}:${index}`;
}

const PR = triggered('pr-1', 'password_reset');
const LD = triggered('ld-1', 'login_new_device');
const PF1 = triggered('pf-1', 'payment_failed');
const PF2 = triggered('pf-2', 'payment_failed');
const NC = triggered('nc-1', 'new_content');
const ST = triggered('st-1', 'streak_at_risk');

/** What the user and the backend do, in time order (the test sends each at its local time). */
const INPUTS: Input[] = [
  { at: 'Wed 00:30', kind: 'profile' },
  // Wed: the budget day.
  propose('Wed 09:00', 'm1', 'marketing', 'Wed 09:50'),
  opened('Wed 09:05', 'm1'),
  propose('Wed 09:30', 's1', 'social', 'Wed 13:45'),
  opened('Wed 13:05', 's1'),
  propose('Wed 13:30', 'm2', 'marketing', 'Wed 17:45'),
  opened('Wed 17:05', 'm2'),
  propose('Wed 17:30', 'c1', 'content', 'Wed 21:45'),
  propose('Wed 18:00', 'c2', 'content', 'Thu 07:30'),
  // Thu: critical at night, a replayed event, the category cap, the best send time, a transactional at night.
  event('Thu 03:00', 'pr-1', 'password_reset', { requestedFrom: 'web' }),
  opened('Thu 03:05', PR),
  event('Thu 03:10', 'pr-1', 'password_reset', { requestedFrom: 'web' }),
  opened('Thu 07:05', 'c2'),
  propose('Thu 12:00', 'm3', 'marketing', 'Thu 12:50'),
  event('Thu 12:30', 'nc-1', 'new_content', { contentId: 'c-1', creatorName: 'Ana' }),
  opened('Thu 20:05', NC),
  event('Thu 22:30', 'pf-1', 'payment_failed', { invoiceId: 'inv-7', plan: 'Pro' }),
  event('Thu 22:40', 'pf-2', 'payment_failed', { invoiceId: 'inv-7', plan: 'Pro' }),
  propose('Thu 23:00', 's2', 'social', 'Fri 06:30'),
  event('Thu 23:45', 'ld-1', 'login_new_device', { deviceId: 'd-1', deviceName: 'Phone' }),
  opened('Thu 23:50', LD),
  // Fri: an opt-out while a social candidate waits.
  opened('Fri 07:05', PF1),
  propose('Fri 09:00', 's3', 'social', 'Fri 11:45'),
  { at: 'Fri 10:00', kind: 'optOut', category: 'social' },
  propose('Fri 12:00', 's4', 'social', 'Fri 12:45'),
  propose('Fri 12:30', 'r1', 'reminder', 'Fri 13:15'),
  opened('Fri 12:35', 'r1'),
  // Sat night into the clock change.
  propose('Sat 23:30', 'q', 'content', 'Sun 07:45'),
  opened('Sun 07:05', 'q'),
  // Mon–Tue: a low score, a stale event, notBefore.
  propose('Mon 09:00', 'l', 'reminder', 'Mon 15:00', { businessValue: 0.01 }),
  event('Mon 10:00', 'st-1', 'streak_at_risk', { streakDay: 's-1', streakLength: 12 }, 'Sat 18:00'),
  propose('Mon 22:00', 'n', 'reminder', 'Tue 08:50', { notBefore: 'Tue 08:30' }),
  opened('Tue 08:35', 'n'),
];

/**
 * The outcome of every candidate, derived from the rules. "Sun" times are local wall-clock times on the day the
 * clocks change. Each line: candidate → outcome, and why.
 */
const EXPECTED: [candidate: string, outcome: string][] = [
  // Wed 09:00 marketing, TTL to 09:50: every rule allows it now → its first channel, email.
  ['m1', 'sent email Wed 09:00'],
  // Wed 09:30 social, TTL to 13:45: cooldown until 13:00 (4 h after m1) → waits, then goes.
  ['s1', 'sent push Wed 13:00'],
  // Wed 13:30 marketing, TTL to 17:45: cooldown until 17:00 (4 h after s1). Third send today: the cap is spent.
  ['m2', 'sent email Wed 17:00'],
  // Wed 17:30 content, TTL to 21:45: without caps it could go at 21:00 (cooldown end, before quiet hours), but the
  // daily cap (3) is spent until Thu 00:00, after its expiry → dropped at once.
  ['c1', 'suppressed daily_cap Wed 17:30'],
  // Wed 18:00 content, TTL to Thu 07:30: the daily cap moves it to the next local day, whose 00:00–07:00 is
  // quiet → the 4th candidate of Wednesday goes on Thursday at 07:00.
  ['c2', 'sent push Thu 07:00'],
  // Thu 03:00 password reset (security, critical): at once despite quiet hours, by SMS first.
  // Thu 03:10 the same event id again: no new candidate (counted as a duplicate event, below).
  [PR, 'sent sms Thu 03:00'],
  // Thu 12:00 marketing, TTL to 12:50: marketing's 2 per 7 days are spent (m1, m2) until next Wed 09:00 → dropped
  // at once (cooldown after c2 ended at 11:00 and 1 of 3 daily sends is used: only the category cap stops it).
  ['m3', 'suppressed category_cap Thu 12:00'],
  // Thu 12:30 new_content (content, TTL 48 h): allowed at once, but the best send time within the next 24 h is
  // 20:00 (the population prior's evening peak; Friday 20:00, also in reach at 20:00, is no better) → 20:00.
  // Not on a Friday: re-scored at Friday 20:00, Saturday 20:00 enters the 24 h horizon with a marginally higher
  // weekend lift (2.748 vs 2.744), and the workflow defers the send by a day; the spec does not settle that case.
  [NC, 'sent push Thu 20:00'],
  // Thu 22:30 payment failed (account, transactional): waits out quiet hours, no send-time optimization → 07:00.
  [PF1, 'sent push Fri 07:00'],
  // Thu 22:40 payment failed for the same invoice (new event id, same dedupeKey) → duplicate on arrival.
  [PF2, 'suppressed duplicate Thu 22:40'],
  // Thu 23:00 social, TTL to Fri 06:30: quiet hours outlast it → expired, dated at its expiry.
  ['s2', 'suppressed expired Fri 06:30'],
  // Thu 23:45 new-device login (critical): quiet hours and the cooldown after 20:00 do not apply → at once, SMS.
  [LD, 'sent sms Thu 23:45'],
  // Fri 09:00 social, TTL to 11:45: cooldown after the transactional 07:00 send → planned for 11:00; the user opts
  // out of social at 10:00 → dropped then.
  ['s3', 'suppressed opted_out Fri 10:00'],
  // Fri 12:00 social after the opt-out → dropped on arrival.
  ['s4', 'suppressed opted_out Fri 12:00'],
  // Fri 12:30 reminder, TTL to 13:15: cooldown ended 11:00, no budgeted send today (transactional ones do not
  // count) → at once.
  ['r1', 'sent push Fri 12:30'],
  // Sat 23:30 content, TTL to Sun 07:45: quiet hours end at 07:00 local wall-clock time on the day the clocks
  // change (6.5 h of real time later when they go forward, 8.5 h when they go back).
  ['q', 'sent push Sun 07:00'],
  // Mon 09:00 reminder worth 0.01: its expected value can never reach the 0.02 floor → held until its expiry.
  ['l', 'suppressed low_score Mon 15:00'],
  // Mon 10:00 streak-at-risk event that happened Sat 18:00: the reminder TTL (24 h) runs from the event, so it
  // arrives expired.
  [ST, 'suppressed expired Mon 10:00'],
  // Mon 22:00 reminder, notBefore Tue 08:30, TTL to 08:50: quiet hours end 07:00, notBefore holds it to 08:30.
  ['n', 'sent push Tue 08:30'],
];

function weekClock(sunday: CivilDate): { at: (t: LocalTime) => EpochMs; label: (at: EpochMs) => string } {
  const dates = WEEK.map((_, i) => addDays(sunday, i - WEEK.indexOf('Sun')));
  return {
    at(t) {
      const [day, hhmm] = t.split(' ') as [Day, string];
      return parisInstant(dates[WEEK.indexOf(day)]!, hhmm);
    },
    label(at) {
      const wall = parisWall(at);
      const i = dates.findIndex(
        (d) => d.year === wall.date.year && d.month === wall.date.month && d.day === wall.date.day,
      );
      return i < 0 ? `${new Date(at).toISOString()} (outside the week)` : `${WEEK[i]} ${wall.hhmm}`;
    },
  };
}

function describeOutcome(decision: Decision, label: (at: EpochMs) => string): string {
  const { outcome } = decision;
  return outcome.kind === 'sent'
    ? `sent ${outcome.channel} ${label(outcome.at)}`
    : `suppressed ${outcome.reason} ${label(outcome.at)}`;
}

/** Plays the week around `change` for a new user and checks every outcome against EXPECTED. */
async function playWeek(change: ClockChange): Promise<void> {
  const userId = uniqueUser('week-exact');
  const clock = weekClock(change.sunday);
  const week = `the week of the clocks going ${change.direction} on ${new Date(change.at).toISOString().slice(0, 10)}`;
  expect(tzdataDisagreements(clock.at('Wed 00:00'), clock.at('Tue 23:30')), `${week}: tzdata vs the EU rule`).toEqual(
    [],
  );
  // The Sat 23:30 → Sun 07:00 night really is an hour shorter or longer than usual.
  expect(clock.at('Sun 07:00') - clock.at('Sat 23:30')).toBe(change.direction === 'forward' ? 6.5 * HOUR : 8.5 * HOUR);

  const times = INPUTS.map((input) => clock.at(input.at));
  expect(times, 'INPUTS must be in time order').toEqual([...times].sort((a, b) => a - b));
  for (const input of INPUTS) {
    const at = clock.at(input.at);
    await h.sleepUntil(at);
    await send(userId, input, at, clock.at);
  }
  await h.sleepUntil(clock.at('Tue 23:30'));
  const final = await h.waitForState(
    userId,
    (s) => s.inboxSize === 0 && s.stats.messagesProcessed === INPUTS.length,
    'every signal processed',
  );

  const decisions = await h.waitForDecisions(userId, EXPECTED.length);
  const actual = new Map(decisions.map((d) => [d.candidateId, describeOutcome(d, clock.label)]));
  // One line per candidate, in the table's order; candidates the table does not know come last.
  const unexpected = [...actual.keys()].filter((id) => !EXPECTED.some(([expected]) => expected === id));
  const lines = (ids: string[], outcome: (id: string) => string | undefined): string[] =>
    ids.map((id) => `${id}: ${outcome(id) ?? '(no outcome)'}`);
  const expectedIds = EXPECTED.map(([id]) => id);
  expect(
    lines([...expectedIds, ...unexpected], (id) => actual.get(id)),
    week,
  ).toEqual(lines(expectedIds, (id) => EXPECTED.find(([e]) => e === id)?.[1]));

  // Each sent candidate was delivered exactly once, and nothing else was.
  const delivered = h.deliveries.filter((d) => d.input.userId === userId).map((d) => d.input.candidate.id);
  const sent = EXPECTED.filter(([, outcome]) => outcome.startsWith('sent')).map(([id]) => id);
  expect([...delivered].sort(), week).toEqual([...sent].sort());
  // The replayed event was recognised (it produced no candidate, so it has no outcome of its own), and nothing
  // is left waiting.
  expect(final.stats.duplicateEvents, week).toBe(1);
  expect(final.queue, week).toEqual([]);

  saveHistoryFixtures(`week-exact-${change.direction}`, await h.histories(userId));
}

async function send(userId: string, input: Input, at: EpochMs, local: (t: LocalTime) => EpochMs): Promise<void> {
  switch (input.kind) {
    case 'profile':
      return h.users.updateProfile(userId, { timeZone: TZ });
    case 'event': {
      const occurredAt = input.occurred ? local(input.occurred) : at;
      return h.users.sendEvent(userEvent(userId, input.type, input.props, occurredAt, input.id));
    }
    case 'candidate':
      return h.users.proposeCandidate({
        id: input.id,
        userId,
        category: input.category,
        template: TEMPLATES[input.category]!,
        variables: {},
        createdAt: at,
        expiresAt: local(input.expires),
        ...(input.notBefore ? { notBefore: local(input.notBefore) } : {}),
        businessValue: input.businessValue,
        source: 'journey',
      });
    case 'optOut':
      return h.users.updatePreferences(userId, { optedOutCategories: [input.category] });
    case 'opened':
      return h.users.notificationEvent(userId, { notificationId: input.notificationId, type: 'opened', at });
  }
}

describe("a user's week, exactly", () => {
  it('ends with exactly the outcomes the rules allow, in a week where the clocks go forward and one where they go back', async () => {
    // Two consecutive EU clock changes: one goes forward (23-hour Sunday), the other back (25-hour Sunday).
    const first = nextClockChange((await h.now()) + 6 * DAY);
    await playWeek(first);
    const second = nextClockChange((await h.now()) + 6 * DAY);
    expect(second.direction).not.toBe(first.direction);
    await playWeek(second);
  });
});
