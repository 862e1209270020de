// The user workflow on the time-skipping server, through the real SDK: quiet hours, critical alerts,
// opt-outs, time-zone changes, DST, the state query and timer reuse.
import { describe, expect, it } from 'vitest';
import { nextLocalTime, offsetMs } from '../../domain';
import { userWorkflowId } from '../../workflows/definitions';
import { TactBudgetLeft, TactNextSendAt, TactOptedOut, TactQueueSize } from '../../workflows/search-attributes';
import { localMinute } from '../domain/oracle';
import { DAY, HOUR, MINUTE, templateFor, userEvent } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser, type Harness } from './support/harness';
import { eventually } from '../support/wait';
import { minuteOfDay, addMs, hours, subMs } from '../../domain/units';
import { nth, present } from '../../domain/present';

const h = defineHarness();

async function timersStarted(harness: Harness, userId: string): Promise<number> {
  const runs = await harness.histories(userId);
  return runs
    .flatMap((r) => r.history.events ?? [])
    .filter((e) => e.timerStartedEventAttributes !== undefined && e.timerStartedEventAttributes !== null).length;
}

async function saveFixtures(name: string, userId: string): Promise<void> {
  saveHistoryFixtures(name, await h.histories(userId));
}

describe('user workflow', () => {
  it('a 23:30 local event waits until 07:00 local and is then sent', async () => {
    const userId = uniqueUser('night');
    const tz = 'Europe/Paris';
    await h.users.updateProfile(userId, { timeZone: tz });
    const at2330 = nextLocalTime(await h.now(), tz, minuteOfDay(23 * 60 + 30));
    await h.sleepUntil(at2330);
    await h.users.sendEvent(
      userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 12, currency: 'EUR' }, at2330),
    );

    const seven = nextLocalTime(at2330, tz, minuteOfDay(7 * 60));
    const waiting = await h.waitForState(userId, (s) => s.queue.length === 1 && s.nextPlannedSend !== null, 'a plan');
    expect(present(waiting.nextPlannedSend, 'waiting.nextPlannedSend').at).toBe(seven);
    expect(present(waiting.nextPlannedSend, 'waiting.nextPlannedSend').why).toContain('quiet hours end at 07:00');
    expect(waiting.recentDecisions).toEqual([]);

    await h.sleepUntil(subMs(seven, MINUTE));
    expect((await h.state(userId)).recentDecisions).toEqual([]);

    await h.sleepUntil(addMs(seven, MINUTE));
    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the send');
    const outcome = nth(done.recentDecisions, 0).outcome;
    expect(outcome).toMatchObject({ kind: 'sent', channel: 'push' });
    expect(outcome.at).toBeGreaterThanOrEqual(seven);
    expect(outcome.at).toBeLessThan(seven + MINUTE);
    expect(localMinute(outcome.at, tz)).toBe(7 * 60);
    await h.waitForState(userId, (s) => s.queue.length === 0, 'an empty queue');
    expect(h.decisions.decisionsFor(userId).map((d) => d.outcome.kind)).toEqual(['sent']);
    await saveFixtures('quiet-hours-wait', userId);
  });

  it('a security alert at 03:00 local goes at once, by SMS first', async () => {
    const userId = uniqueUser('security');
    const tz = 'America/New_York';
    await h.users.updateProfile(userId, { timeZone: tz });
    const at3 = nextLocalTime(await h.now(), tz, minuteOfDay(3 * 60));
    await h.sleepUntil(at3);
    await h.users.sendEvent(userEvent(userId, 'password_reset', { requestedFrom: 'web' }, at3));

    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the alert');
    const outcome = nth(done.recentDecisions, 0).outcome;
    expect(outcome).toMatchObject({ kind: 'sent', channel: 'sms' });
    expect(outcome.at - at3).toBeLessThan(MINUTE);
    // Critical candidates skip scoring: nothing to optimize, and every millisecond counts.
    expect(h.scoringCalls.filter((c) => c.userId === userId)).toEqual([]);
    const delivery = present(
      h.deliveries.find((d) => d.input.userId === userId),
      'the h.deliveries entry where d.input.userId === userId',
    );
    expect(delivery.input.channels).toEqual(['sms', 'push', 'email']);
    await saveFixtures('security-at-night', userId);
  });

  it('an opt-out mid-wait drops pending candidates at once and is visible to ops', async () => {
    const userId = uniqueUser('optout');
    const tz = 'Asia/Tokyo';
    await h.users.updateProfile(userId, { timeZone: tz });
    const at23 = nextLocalTime(await h.now(), tz, minuteOfDay(23 * 60));
    await h.sleepUntil(at23);
    await h.users.sendEvent(userEvent(userId, 'friend_joined', { friendId: 'f1', friendName: 'A' }, at23));
    await h.users.sendEvent(userEvent(userId, 'new_content', { contentId: 'c1', title: 'T' }, at23));
    await h.waitForState(userId, (s) => s.queue.length === 2 && s.nextPlannedSend !== null, 'two waiting');

    const handle = h.client.workflow.getHandle(userWorkflowId(userId));
    await eventually(async () => {
      const sa = (await handle.describe()).typedSearchAttributes;
      // The queue size rides along with next-send upserts: the second candidate did not move the next send.
      expect([1, 2]).toContain(sa.get(TactQueueSize));
      expect(sa.get(TactNextSendAt)).toBeInstanceOf(Date);
      expect(sa.get(TactOptedOut)).toBe(false);
      expect(sa.get(TactBudgetLeft)).toBe(3);
    });

    await h.sleepUntil(addMs(at23, hours(2)));
    await h.users.updatePreferences(userId, { globalOptOut: true });
    const after = await h.waitForState(userId, (s) => s.recentDecisions.length === 2, 'the opt-out drops');
    expect(after.queue).toEqual([]);
    expect(after.nextPlannedSend).toBeNull();
    for (const d of after.recentDecisions) {
      expect(d.outcome).toMatchObject({ kind: 'suppressed', reason: 'opted_out' });
      expect(d.outcome.at).toBeLessThan(at23 + 2 * HOUR + MINUTE);
    }
    await eventually(async () => {
      const sa = (await handle.describe()).typedSearchAttributes;
      expect(sa.get(TactOptedOut)).toBe(true);
      expect(sa.get(TactQueueSize)).toBe(0);
      expect(sa.get(TactNextSendAt)).toBeUndefined();
    });
    // Nothing is sent later either.
    await h.sleepUntil(addMs(at23, DAY));
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toEqual([]);
    expect(h.decisions.decisionsFor(userId)).toHaveLength(2);
    await saveFixtures('opt-out-mid-wait', userId);
  });

  it('a time-zone change re-plans at once', async () => {
    const userId = uniqueUser('tz');
    // At 22:30 UTC it is 23:30 in UTC+1 (quiet) and late afternoon in New York (allowed).
    await h.users.updateProfile(userId, { timeZone: 'Etc/GMT-1' });
    const at = nextLocalTime(await h.now(), 'UTC', minuteOfDay(22 * 60 + 30));
    await h.sleepUntil(at);
    await h.users.sendEvent(
      userEvent(userId, 'payment_failed', { invoiceId: 'inv-9', amount: 5, currency: 'USD' }, at),
    );
    const waiting = await h.waitForState(userId, (s) => s.nextPlannedSend !== null, 'a wait for quiet hours');
    expect(present(waiting.nextPlannedSend, 'waiting.nextPlannedSend').at).toBe(
      nextLocalTime(at, 'Etc/GMT-1', minuteOfDay(7 * 60)),
    );

    await h.users.updateProfile(userId, { timeZone: 'America/New_York' });
    const sent = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the send after the change');
    expect(nth(sent.recentDecisions, 0).outcome).toMatchObject({ kind: 'sent', channel: 'push' });
    expect(nth(sent.recentDecisions, 0).outcome.at - at).toBeLessThan(MINUTE);
    expect(sent.profile.timeZone).toBe('America/New_York');
    await saveFixtures('time-zone-change', userId);
  });

  it('on a DST transition day quiet hours end at 07:00 local wall-clock time', async () => {
    const tz = 'Europe/Paris';
    const userId = uniqueUser('dst');
    await h.users.updateProfile(userId, { timeZone: tz });
    const now = await h.now();
    // The first local midnight after which the UTC offset differs from the day before.
    let day = nextLocalTime(now, tz, minuteOfDay(0));
    while (offsetMs(addMs(day, DAY), tz) === offsetMs(day, tz))
      day = nextLocalTime(addMs(day, HOUR), tz, minuteOfDay(0));
    const eveBefore = nextLocalTime(subMs(day, hours(2)), tz, minuteOfDay(23 * 60 + 30)); // 23:30 on the eve of the transition
    expect(offsetMs(addMs(eveBefore, hours(8)), tz)).not.toBe(offsetMs(eveBefore, tz));

    await h.sleepUntil(eveBefore);
    await h.users.sendEvent(
      userEvent(userId, 'payment_failed', { invoiceId: 'inv-d', amount: 1, currency: 'EUR' }, eveBefore),
    );
    const seven = nextLocalTime(eveBefore, tz, minuteOfDay(7 * 60));
    const waiting = await h.waitForState(userId, (s) => s.nextPlannedSend !== null, 'the wait');
    expect(present(waiting.nextPlannedSend, 'waiting.nextPlannedSend').at).toBe(seven);
    // 7.5 h of wall clock, give or take the hour the clocks moved.
    const shift = offsetMs(seven, tz) - offsetMs(eveBefore, tz);
    expect(seven - eveBefore).toBe(7.5 * HOUR - shift);

    await h.sleepUntil(addMs(seven, MINUTE));
    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the send');
    expect(localMinute(nth(done.recentDecisions, 0).outcome.at, tz)).toBe(7 * 60);
    await saveFixtures('dst-day', userId);
  });

  it('answers the state query mid-sleep and reuses the running timer when the wake time is unchanged', async () => {
    const userId = uniqueUser('query');
    const tz = 'Europe/Berlin';
    await h.users.updateProfile(userId, { timeZone: tz });
    const at2330 = nextLocalTime(await h.now(), tz, minuteOfDay(23 * 60 + 30));
    await h.sleepUntil(at2330);
    await h.users.sendEvent(userEvent(userId, 'streak_at_risk', { streakDay: 'd1', streakLength: 12 }, at2330));
    const mid = await h.waitForState(userId, (s) => s.nextPlannedSend !== null, 'a wait');
    expect(mid.budgetLeftToday).toBe(3);
    expect(mid.cooldownUntil).toBeNull();
    expect(mid.queue).toHaveLength(1);
    expect(mid.queue[0]).toMatchObject({ category: 'reminder', template: templateFor('streak_at_risk') });
    expect(present(nth(mid.queue, 0).score, 'mid.queue[0].score').expectedValue).toBeGreaterThan(0);
    expect(mid.queue[0]).not.toHaveProperty('variables');
    const timersBefore = await timersStarted(h, userId);

    // Signals that do not move the wake time must not start timers.
    await h.sleepUntil(addMs(at2330, HOUR));
    for (let i = 0; i < 5; i++) await h.users.devicesChanged(userId, addMs(at2330, HOUR));
    await h.waitForState(userId, (s) => s.stats.messagesProcessed === 7, 'the signals processed');
    const again = await h.state(userId);
    expect(again.nextPlannedSend).toEqual(mid.nextPlannedSend);
    expect(await timersStarted(h, userId)).toBe(timersBefore);
    await saveFixtures('state-query-mid-sleep', userId);
  });
});
