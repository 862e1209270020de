// A user's week through the real workflow on the time-skipping server, ending with EXACTLY the outcomes the rules
// allow: every candidate's outcome (sent on which channel at which local minute, or suppressed with which reason
// at which local minute) is derived by hand (support/exact-week.ts) from docs/product.md §2–4 with the default policy, never by calling
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
import type { Decision, EpochMs } from '../../domain/types';
import { HOUR, userEvent } from './support/events';
import { EXPECTED, INPUTS, TEMPLATES, TZ, weekClock, type Input, type LocalTime } from './support/exact-week';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import { nextClockChange, tzdataDisagreements, type ClockChange } from './support/paris-clock';
import { probability, addMs, days } from '../../domain/units';
import { present } from '../../domain/present';

const h = defineHarness();
// The week's inputs and the outcomes derived from the rules: support/exact-week.ts.

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
        template: present(TEMPLATES[input.category], 'TEMPLATES[input.category]'),
        variables: {},
        createdAt: at,
        expiresAt: local(input.expires),
        ...(input.notBefore ? { notBefore: local(input.notBefore) } : {}),
        businessValue: probability(input.businessValue),
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
    const first = nextClockChange(addMs(await h.now(), days(6)));
    await playWeek(first);
    const second = nextClockChange(addMs(await h.now(), days(6)));
    expect(second.direction).not.toBe(first.direction);
    await playWeek(second);
  });
});
