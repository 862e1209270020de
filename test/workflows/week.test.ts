// A user's week of events through the real workflow on the time-skipping server: every send obeys every rule
// (checked by the independent oracle in test/domain/oracle.ts), every candidate ends with exactly one outcome.
import { describe, expect, it } from 'vitest';
import { candidatesFromEvent, DEFAULT_TRIGGERS, nextLocalTime } from '../../domain';
import type { Candidate, Decision, EpochMs, Preferences, SendRecord, UserEvent } from '../../domain/types';
import type { TactUserClient } from '../../api/user-client';
import { violations } from '../domain/oracle';
import { MINUTE, userEvent } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import { minuteOfDay, addMs, days } from '../../domain/units';
import { nth, present } from '../../domain/present';

const h = defineHarness();
const TZ = 'Europe/Paris';

type Step =
  | { at: EpochMs; kind: 'event'; event: UserEvent }
  | { at: EpochMs; kind: 'appOpened' }
  | { at: EpochMs; kind: 'preferences'; change: Partial<Preferences> };

/** A realistic week: social, content, reminders, promotions, one payment problem, one security alert, opt-out of marketing mid-week. */
function weekOf(userId: string, start: EpochMs): Step[] {
  const steps: Step[] = [];
  const at = (day: number, minute: number): EpochMs => nextLocalTime(addMs(start, days(day)), TZ, minuteOfDay(minute));
  const ev = (day: number, minute: number, type: string, props: UserEvent['properties'], id?: string): void => {
    const t = at(day, minute);
    steps.push({ at: t, kind: 'event', event: userEvent(userId, type, props, t, id ?? `wk-${day}-${minute}-${type}`) });
  };
  for (let d = 0; d < 7; d++) {
    steps.push({ at: at(d, 8 * 60 + 10), kind: 'appOpened' });
    ev(d, 9 * 60, 'friend_joined', { friendId: `f${d}a`, friendName: 'Ana' });
    ev(d, 11 * 60 + 30, 'new_content', { contentId: `c${d}a`, title: 'News' });
    ev(d, 12 * 60, 'comment_reply', { threadId: `t${d}`, authorName: 'Bo', replyCount: 2 });
    ev(d, 15 * 60, 'streak_at_risk', { streakDay: `s${d}`, streakLength: 10 + d });
    ev(d, 18 * 60, 'new_content', { contentId: `c${d}b`, title: 'More' });
    ev(d, 20 * 60, 'promo_available', { promoId: `p${d}`, discountPercent: 20 });
    ev(d, 23 * 60 + 30, 'friend_joined', { friendId: `f${d}b`, friendName: 'Cy' });
  }
  ev(2, 3 * 60, 'password_reset', { requestedFrom: 'web' });
  ev(3, 14 * 60, 'payment_failed', { invoiceId: 'inv-7', amount: 9, currency: 'EUR' });
  steps.push({ at: at(4, 12 * 60 + 30), kind: 'preferences', change: { optedOutCategories: ['marketing'] } });
  // A replayed event (same id) and a second "friend joined" for the same friend (same dedupeKey).
  ev(5, 9 * 60 + 5, 'friend_joined', { friendId: 'f5a', friendName: 'Ana' }, 'wk-5-540-friend_joined');
  ev(5, 10 * 60, 'friend_joined', { friendId: 'f5a', friendName: 'Ana' });
  return steps.sort((a, b) => a.at - b.at);
}

async function play(users: TactUserClient, userId: string, step: Step): Promise<void> {
  await h.sleepUntil(step.at);
  if (step.kind === 'event') await users.sendEvent(step.event);
  else if (step.kind === 'appOpened') await users.appOpened(userId, step.at);
  else await users.updatePreferences(userId, step.change);
}

describe('a week in the life of a user', () => {
  it('ends with only the sends the rules allow and exactly one outcome per candidate', async () => {
    const userId = uniqueUser('week');
    const users = h.users;
    await users.updateProfile(userId, { timeZone: TZ });
    const userSince = await h.now();
    const start = nextLocalTime(userSince, TZ, minuteOfDay(6 * 60));
    const steps = weekOf(userId, start);
    for (const step of steps) await play(users, userId, step);
    await h.sleepUntil(addMs(start, days(10)));
    const final = await h.waitForState(
      userId,
      (s) => s.queue.length === 0 && s.stats.messagesProcessed === steps.length + 1,
      'a settled queue',
    );

    // Exactly one recorded outcome per candidate the events produced (the replayed event produces none).
    const seenEvents = new Set<string>();
    const expectedIds: string[] = [];
    const candidates = new Map<string, Candidate>();
    for (const step of steps) {
      if (step.kind !== 'event' || seenEvents.has(step.event.id)) continue;
      seenEvents.add(step.event.id);
      for (const c of candidatesFromEvent(step.event, DEFAULT_TRIGGERS, step.at)) {
        expectedIds.push(c.id);
        candidates.set(c.id, c);
      }
    }
    const decisions = await h.waitForDecisions(userId, expectedIds.length);
    expect(decisions.map((d) => d.candidateId).sort()).toEqual([...expectedIds].sort());
    expect(final.stats.duplicateEvents).toBe(1);
    expect(decisions.filter((d) => d.outcome.kind === 'suppressed' && d.outcome.reason === 'duplicate')).toHaveLength(
      1,
    );

    // Every send passes the independent oracle, given the preferences in force and every earlier send.
    const sends = decisions
      .filter((d): d is Decision & { outcome: { kind: 'sent' } } => d.outcome.kind === 'sent')
      .sort((a, b) => a.outcome.at - b.outcome.at);
    const history: SendRecord[] = [];
    for (const send of sends) {
      const candidate = present(candidates.get(send.candidateId), 'candidates.get(send.candidateId)');
      const delivery = present(
        h.deliveries.find((d) => d.input.candidate.id === send.candidateId),
        'the h.deliveries entry where d.input.candidate.id === send.candidateId',
      );
      const lastOpen = steps.filter((s) => s.kind === 'appOpened' && s.at <= send.outcome.at).at(-1)?.at;
      const broken = violations(
        {
          timeZone: TZ,
          preferences: delivery.input.preferences,
          userSince,
          lastEngagementAt: lastOpen,
          history,
        },
        candidate,
        delivery.input.channels,
        send.outcome.at,
      );
      expect(broken, `${send.candidateId} at ${new Date(send.outcome.at).toISOString()}`).toEqual([]);
      history.push({
        candidateId: send.candidateId,
        category: candidate.category,
        channel: send.outcome.channel,
        at: send.outcome.at,
      });
    }

    // The week is busy enough that the budget, not the supply, limits sends: at least one normal send a day,
    // the security alert at once by SMS, the payment notice the same afternoon, no marketing after the opt-out.
    const byCategory = (c: string) => sends.filter((s) => s.category === c);
    expect(byCategory('security')).toHaveLength(1);
    expect(nth(byCategory('security'), 0).outcome.channel).toBe('sms');
    const alertAt = present(
      steps.find((s) => s.kind === 'event' && s.event.type === 'password_reset'),
      "the steps entry where s.kind === 'event' && s.event.type === 'password_reset'",
    ).at;
    expect(nth(byCategory('security'), 0).outcome.at - alertAt).toBeLessThan(MINUTE);
    expect(byCategory('account')).toHaveLength(1);
    const optOutAt = present(
      steps.find((s) => s.kind === 'preferences'),
      "the steps entry where s.kind === 'preferences'",
    ).at;
    expect(byCategory('marketing').filter((s) => s.outcome.at > optOutAt)).toEqual([]);
    const budgeted = sends.filter((s) => ['social', 'content', 'reminder', 'marketing'].includes(s.category));
    expect(budgeted.length).toBeGreaterThanOrEqual(7);
    expect(budgeted.length).toBeLessThanOrEqual(21);

    saveHistoryFixtures('week', await h.histories(userId));
  });
});
