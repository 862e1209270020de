// The user workflow when its plans go stale, its run restarts or its user floods it, through the real SDK on the
// time-skipping server: sends re-checked at the real send time, history bounded during bursts of sends, the send
// history surviving a restart, a bounded queue and clamped receipt times.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRIGGERS, defaultPreferences, nextLocalTime } from '../../domain';
import type { UserEvent } from '../../domain/types';
import { userWorkflowId } from '../../workflows/definitions';
import { HOUR, MINUTE, userEvent } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import { minuteOfDay, addMs, minutes } from '../../domain/units';
import { nth, present } from '../../domain/present';

const h = defineHarness();
const UTC = { timeZone: 'UTC', locale: 'en' };

/** The id of the candidate the default trigger rules make of a single-rule event. */
function candidateOf(event: UserEvent): string {
  return `${event.id}:${DEFAULT_TRIGGERS.findIndex((r) => r.eventType === event.type)}`;
}

function deliveriesOf(userId: string) {
  return h.deliveries.filter((d) => d.input.userId === userId);
}

describe('a send re-checked at the real send time', () => {
  it('stops retrying when quiet hours begin, and goes when they end', async () => {
    const userId = uniqueUser('retry-quiet');
    h.settings.store(userId, UTC);
    const at2150 = nextLocalTime(await h.now(), 'UTC', minuteOfDay(21 * 60 + 50));
    const quietStart = at2150 + 10 * MINUTE;
    const seven = nextLocalTime(at2150, 'UTC', minuteOfDay(7 * 60));
    await h.sleepUntil(at2150);
    const event = userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 5, currency: 'EUR' }, at2150);
    // The provider is down for 30 minutes: without the quiet-hours bound, the retries would deliver at 22:20.
    h.deliveryOutages.set(candidateOf(event), addMs(at2150, minutes(30)));
    await h.users.sendEvent(event);

    await h.sleepUntil(addMs(at2150, minutes(40)));
    const waiting = await h.waitForState(
      userId,
      (s) => s.queue.length === 1 && s.nextPlannedSend?.at === seven,
      'the candidate waiting for the end of quiet hours',
    );
    expect(waiting.recentDecisions).toEqual([]);
    expect(deliveriesOf(userId).length).toBeGreaterThan(1);
    for (const d of deliveriesOf(userId)) expect(d.at).toBeLessThan(quietStart);

    await h.sleepUntil(addMs(seven, MINUTE));
    const sent = await h.waitForState(userId, (s) => s.recentSends.length === 1, 'the 07:00 send');
    const afterQuietStart = deliveriesOf(userId).filter((d) => d.at >= quietStart);
    expect(afterQuietStart).toHaveLength(1);
    for (const at of [nth(sent.recentSends, 0).sentAt, nth(afterQuietStart, 0).at]) {
      expect(at).toBeGreaterThanOrEqual(seven);
      expect(at).toBeLessThan(seven + MINUTE);
    }
    const runs = await h.histories(userId);
    const sends = runs
      .flatMap((r) => r.history.events ?? [])
      .flatMap((e) => e.activityTaskScheduledEventAttributes ?? [])
      .filter((a) => a.activityType?.name === 'sendNotification');
    // Stuck attempts are detected by their heartbeat, not left to overlap the next one blindly.
    for (const a of sends) {
      expect(Number(a.heartbeatTimeout?.seconds)).toBe(30);
      expect(Number(a.startToCloseTimeout?.seconds)).toBe(120);
    }
    // The first send's attempts end at 22:00 (10 minutes after it was scheduled), not an hour later; then the
    // candidate waits for 07:00 (one more send), rather than being sent again and again before 22:00.
    expect(sends).toHaveLength(2);
    // (The workflow task that schedules it runs a few real seconds after 21:50 on a loaded machine.)
    expect(Number(nth(sends, 0).scheduleToCloseTimeout?.seconds)).toBeGreaterThanOrEqual(590);
    expect(Number(nth(sends, 0).scheduleToCloseTimeout?.seconds)).toBeLessThanOrEqual(600);
    saveHistoryFixtures('retry-until-quiet-hours', runs);
  });

  it('ends a retried send opted_out when the user opts out meanwhile, though no signal reaches the workflow', async () => {
    const userId = uniqueUser('retry-optout');
    h.settings.store(userId, UTC);
    const ten = nextLocalTime(await h.now(), 'UTC', minuteOfDay(10 * 60));
    await h.sleepUntil(ten);
    const event = userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 5, currency: 'EUR' }, ten);
    h.deliveryOutages.set(candidateOf(event), addMs(ten, minutes(30)));
    await h.users.sendEvent(event);
    await h.waitForState(userId, (s) => s.queue.length === 1, 'the candidate');

    await h.sleepUntil(addMs(ten, minutes(5)));
    // Stored as the API stores an opt-out; its signal is lost (the API answered 503 and nobody retried).
    const optedOutAt = await h.now();
    h.settings.store(userId, UTC, { ...defaultPreferences(), globalOptOut: true });
    await h.sleepUntil(addMs(ten, minutes(40)));

    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the outcome');
    expect(nth(done.recentDecisions, 0).outcome).toMatchObject({ kind: 'suppressed', reason: 'opted_out' });
    expect(done.preferences.globalOptOut).toBe(true);
    expect(done.recentSends).toEqual([]);
    for (const d of deliveriesOf(userId)) expect(d.at).toBeLessThan(optedOutAt);
  });
});

describe('a flood of critical events', () => {
  it('continues-as-new between due sends, and suppresses what exceeds the hourly ceiling', async () => {
    const cap = 60;
    const users = h.usersWith({ maxHistoryEvents: cap });
    const userId = uniqueUser('flood');
    h.settings.store(userId, UTC);
    const now = await h.now();
    // Signalled before the workflow's first task: they reach it as one batch, all due at once.
    const events = Array.from({ length: 14 }, (_, i) => userEvent(userId, 'password_reset', { n: i }, now));
    for (const event of events) await users.sendEvent(event);

    const done = await h.waitForState(
      userId,
      (s) => s.stats.sent + s.stats.suppressed === 14,
      'every password reset decided',
    );
    expect(done.stats.sent).toBe(10);
    const limited = h.decisions
      .decisionsFor(userId)
      .filter((d) => d.outcome.kind === 'suppressed' && d.outcome.reason === 'rate_limited');
    expect(limited).toHaveLength(4);
    const runs = await h.histories(userId);
    expect(runs.length).toBeGreaterThan(1);
    // A send adds about 6 events (workflow task, activity scheduled/started/completed): one send past the cap at most.
    for (const run of runs) expect(present(run.history.events, 'run.history.events').length).toBeLessThan(cap + 20);
  });
});

describe('a restarted workflow', () => {
  it('keeps the cooldown of a send made by the run that was terminated', async () => {
    const userId = uniqueUser('restart');
    h.settings.store(userId, UTC);
    const ten = nextLocalTime(await h.now(), 'UTC', minuteOfDay(10 * 60));
    await h.sleepUntil(ten);
    await h.users.sendEvent(
      userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 5, currency: 'EUR' }, ten),
    );
    const first = await h.waitForState(userId, (s) => s.recentSends.length === 1, 'the first send');
    const sentAt = nth(first.recentSends, 0).sentAt;
    await h.client.workflow.getHandle(userWorkflowId(userId)).terminate('test: a lost run');

    const later = addMs(sentAt, HOUR);
    await h.sleepUntil(later);
    await h.users.sendEvent(
      userEvent(userId, 'payment_failed', { invoiceId: 'inv-2', amount: 6, currency: 'EUR' }, later),
    );
    const restarted = await h.waitForState(
      userId,
      (s) => s.queue.length === 1 && s.nextPlannedSend !== null,
      'the plan of the new run',
    );
    expect(restarted.recentSends.map((s) => s.notificationId)).toEqual([nth(first.recentSends, 0).notificationId]);
    expect(restarted.cooldownUntil).toBe(sentAt + 4 * HOUR);
    expect(present(restarted.nextPlannedSend, 'restarted.nextPlannedSend').at).toBe(sentAt + 4 * HOUR);
  });
});
