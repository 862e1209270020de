// What the user workflow spends Temporal actions on, through the real SDK: outcomes ride along with sends, a
// running timer is kept when the plan moves later, and search attributes stay safe for ops' filters.
import { describe, expect, it } from 'vitest';
import { localParts, nextLocalTime } from '../../domain';
import { userWorkflowId } from '../../workflows/definitions';
import { TactNextSendAt } from '../../workflows/search-attributes';
import { HOUR, MINUTE, userEvent } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser, type Harness } from './support/harness';
import { eventually } from '../support/wait';
import { minuteOfDay, probability, addMs, hours, minutes, plusMs } from '../../domain/units';
import type { EpochMs } from '../../domain/types';
import { nth, present } from '../../domain/present';

const h = defineHarness();
const TZ = 'Europe/Paris';

async function historyEvents(harness: Harness, userId: string) {
  return (await harness.histories(userId)).flatMap((r) => r.history.events ?? []);
}

async function activitiesScheduled(userId: string): Promise<string[]> {
  return (await historyEvents(h, userId)).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

async function timersStarted(userId: string): Promise<number> {
  return (await historyEvents(h, userId)).filter((e) => e.timerStartedEventAttributes).length;
}

async function nextSendAttribute(userId: string): Promise<number | undefined> {
  const attrs = (await h.client.workflow.getHandle(userWorkflowId(userId)).describe()).typedSearchAttributes;
  return attrs.get(TactNextSendAt)?.getTime();
}

/** A user with a payment notice (transactional) waiting out quiet hours from 23:30 local. */
async function waitingUser(prefix: string, users = h.users): Promise<{ userId: string; at2330: EpochMs }> {
  const userId = uniqueUser(prefix);
  await users.updateProfile(userId, { timeZone: TZ });
  const at2330 = nextLocalTime(await h.now(), TZ, minuteOfDay(23 * 60 + 30));
  await h.sleepUntil(at2330);
  await users.sendEvent(
    userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 9, currency: 'EUR' }, at2330),
  );
  await h.waitForState(userId, (s) => s.nextPlannedSend !== null, 'a plan');
  return { userId, at2330 };
}

describe('Temporal actions of the user workflow', () => {
  it('records a suppression together with the next send, in the send activity', async () => {
    const { userId, at2330 } = await waitingUser('ride');
    // The same invoice again: a duplicate, decided at once but written with the 07:00 send.
    await h.users.sendEvent(
      userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 9, currency: 'EUR' }, addMs(at2330, MINUTE)),
    );
    const waiting = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the duplicate');
    expect(nth(waiting.recentDecisions, 0).outcome).toMatchObject({ kind: 'suppressed', reason: 'duplicate' });
    expect(h.decisions.decisionsFor(userId)).toEqual([]);

    const seven = nextLocalTime(at2330, TZ, minuteOfDay(7 * 60));
    await h.sleepUntil(addMs(seven, MINUTE));
    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 2, 'the send');
    expect(h.decisions.decisionsFor(userId)).toEqual(done.recentDecisions);
    expect(done.recentDecisions.map((d) => d.outcome.kind)).toEqual(['suppressed', 'sent']);
    // The send re-scored the pending candidate with the model in the same activity call.
    expect(await activitiesScheduled(userId)).toEqual(['loadUserSettings', 'sendNotification']);
    expect(h.scoringCalls.filter((c) => c.userId === userId)).toEqual([{ userId, candidates: 1 }]);
    saveHistoryFixtures('ride-along', await h.histories(userId));
  });

  it('lets the model outbid a send planned on priors: nothing is delivered, and the workflow re-plans', async () => {
    const userId = uniqueUser('outbid');
    await h.users.updateProfile(userId, { timeZone: TZ });
    // A Saturday, whatever the test server's starting date: on weekend mornings the population's pattern peaks at
    // 10:00, so the prior plans the send now (on a weekday it would wait for lunch, and no time passes below).
    let at10 = nextLocalTime(await h.now(), TZ, minuteOfDay(10 * 60 + 5));
    while (localParts(at10, TZ).weekday !== 5) at10 = nextLocalTime(at10, TZ, minuteOfDay(10 * 60 + 5));
    await h.sleepUntil(at10);
    // The model's best time is one the prior never picks (priors pick now or the start of an hour): the send
    // planned on priors, now or at a better hour, is outbid and moves there.
    const three = addMs(at10, plusMs(hours(3), minutes(20)));
    h.modelOverrides.set('ob-1', { bestSendAt: three });
    await h.users.proposeCandidate({
      id: 'ob-1',
      userId,
      category: 'social',
      template: 'friend_joined',
      variables: {},
      createdAt: at10,
      expiresAt: addMs(at10, plusMs(hours(3), minutes(30))),
      businessValue: probability(0.9),
      source: 'journey',
    });
    // The prior plans now or at the start of a later hour, depending on the population's send-time shape for this
    // weekday: follow its plan on the same clock instead of assuming one.
    const planned = await h.waitForState(userId, (s) => s.nextPlannedSend !== null, 'the plan on priors');
    const priorAt = present(planned.nextPlannedSend, 'planned.nextPlannedSend').at;
    expect(nth(planned.queue, 0).score).toMatchObject({ source: 'prior' });
    expect(priorAt).toBeLessThan(three);
    await h.sleepUntil(priorAt);
    const waiting = await h.waitForState(userId, (s) => s.nextPlannedSend?.at === three, 'the plan on model scores');
    expect(nth(waiting.queue, 0).score).toMatchObject({ source: 'model', bestSendAt: three });
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toEqual([]);
    expect(h.decisions.decisionsFor(userId)).toEqual([]);

    await h.sleepUntil(addMs(three, MINUTE));
    const done = await h.waitForState(userId, (s) => s.recentSends.length === 1, 'the send at the model’s time');
    expect(nth(done.recentSends, 0).sentAt).toBeGreaterThanOrEqual(three);
    expect(await activitiesScheduled(userId)).toEqual(['loadUserSettings', 'sendNotification', 'sendNotification']);
    expect(h.scoringCalls.filter((c) => c.userId === userId)).toHaveLength(2);
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toHaveLength(1);
    saveHistoryFixtures('outbid', await h.histories(userId));
  });

  it('writes a suppression on its own when no send comes within the decision-log delay', async () => {
    const users = h.usersWith({ decisionLogDelayMs: HOUR });
    const { userId, at2330 } = await waitingUser('bound', users);
    await users.sendEvent(
      userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 9, currency: 'EUR' }, addMs(at2330, MINUTE)),
    );
    // The next wake-up (07:00) is later than an hour away: the duplicate is written before the workflow sleeps.
    await h.waitForDecisions(userId, 1);
    expect(h.decisions.decisionsFor(userId).map((d) => d.outcome)).toMatchObject([
      { kind: 'suppressed', reason: 'duplicate' },
    ]);
    expect(await activitiesScheduled(userId)).toEqual(['loadUserSettings', 'recordDecisions']);
  });

  it('keeps a delivered send when the decision log is down, and records it once the log is back', async () => {
    const userId = uniqueUser('logdown');
    await h.users.updateProfile(userId, { timeZone: TZ });
    const at3 = nextLocalTime(await h.now(), TZ, minuteOfDay(3 * 60));
    await h.sleepUntil(at3);
    h.decisionLogDown = true;
    try {
      await h.users.sendEvent(userEvent(userId, 'password_reset', { requestedFrom: 'web' }, at3));
      const sent = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the alert');
      expect(nth(sent.recentDecisions, 0).outcome).toMatchObject({ kind: 'sent', channel: 'sms' });
      expect(sent.stats.sent).toBe(1);
      // The workflow keeps the outcome and retries the write on its own.
      await eventually(async () => expect(await activitiesScheduled(userId)).toContain('recordDecisions'));
      expect(h.decisions.decisionsFor(userId)).toEqual([]);
    } finally {
      h.decisionLogDown = false;
    }
    await eventually(async () => expect(h.decisions.decisionsFor(userId)).toHaveLength(1), { timeoutMs: 30_000 });
    expect(nth(h.decisions.decisionsFor(userId), 0).outcome).toMatchObject({ kind: 'sent', channel: 'sms' });
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toHaveLength(1);
    expect(await activitiesScheduled(userId)).toEqual(['loadUserSettings', 'sendNotification', 'recordDecisions']);
  });

  it('keeps the running timer when the plan moves later, and never lists the next send later than it is', async () => {
    const { userId, at2330 } = await waitingUser('later');
    const seven = nextLocalTime(at2330, TZ, minuteOfDay(7 * 60));
    const nine = nextLocalTime(at2330, TZ, minuteOfDay(9 * 60));
    expect(await timersStarted(userId)).toBe(1);
    await h.waitForState(userId, (s) => s.nextPlannedSend?.at === seven, 'the 07:00 plan');

    // Quiet hours now end at 09:00: the plan moves later, the 07:00 timer stays (no new timer, no upsert).
    await h.users.updatePreferences(userId, { quietHours: { start: minuteOfDay(22 * 60), end: minuteOfDay(9 * 60) } });
    const moved = await h.waitForState(userId, (s) => s.nextPlannedSend?.at === nine, 'the 09:00 plan');
    expect(moved.recentDecisions).toEqual([]);
    expect(await timersStarted(userId)).toBe(1);
    expect(await nextSendAttribute(userId)).toBe(seven);

    // At 07:00 the timer fires, nothing is sent, and the workflow re-plans to 09:00.
    await h.sleepUntil(addMs(seven, MINUTE));
    await eventually(async () => expect(await nextSendAttribute(userId)).toBe(nine));
    expect((await h.state(userId)).recentDecisions).toEqual([]);
    expect(await timersStarted(userId)).toBe(2);

    await h.sleepUntil(addMs(nine, MINUTE));
    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the 09:00 send');
    expect(nth(done.recentDecisions, 0).outcome).toMatchObject({ kind: 'sent' });
    expect(nth(done.recentDecisions, 0).outcome.at).toBeGreaterThanOrEqual(nine);
    expect(await timersStarted(userId)).toBe(2);
    saveHistoryFixtures('plan-moves-later', await h.histories(userId));
  });
});
