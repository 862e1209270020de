// A worker stopped mid-journey and replaced by a new one (its cached workflows gone, so both the user workflow and the
// journey run are rebuilt from their histories) loses nothing: the run resumes where it waited, an event sent while no
// worker ran reaches it, and a reminder pending in the user's queue across the stop is sent exactly once.
import { describe, expect, it } from 'vitest';
import { nextLocalTime } from '../../domain';
import { minuteOfDay, addMs, days, hours } from '../../domain/units';
import { DAY, HOUR, MINUTE, userEvent } from '../workflows/support/events';
import { defineHarness, uniqueUser } from '../workflows/support/harness';
import { endOf, runIdOf, waitForRun } from './support';
import type { EpochMs } from '../../domain/types';

const h = defineHarness();

async function startAt(userId: string, timeZone: string, minute: number): Promise<EpochMs> {
  await h.users.updateProfile(userId, { timeZone });
  const at = nextLocalTime(await h.now(), timeZone, minuteOfDay(minute));
  await h.sleepUntil(at);
  return at;
}

const sent = (userId: string) => h.deliveries.filter((d) => d.input.userId === userId).map((d) => d.input.candidate);

describe('journeys across a worker restart', () => {
  it('cart: stopped mid-wait and again with the reminder pending: both reminders sent once each', async () => {
    const userId = uniqueUser('cart-restart');
    const start = await startAt(userId, 'Europe/Paris', 21 * 60 + 30);
    await h.users.enroll(userId, {
      journey: 'cart_abandonment',
      source: 'api',
      data: { itemCount: 1, topItem: 'Hat' },
    });
    const runId = runIdOf(userId, 'cart_abandonment');
    await waitForRun(h, runId, (v) => v.step === 'waiting for purchase (1 h)', 'the first wait');

    await h.stopWorker(); // mid-wait: the run's timer and the user's state are only in their histories now
    await h.startWorker();
    await h.sleepUntil(addMs(addMs(start, HOUR), MINUTE)); // 22:31: the reminder waits in the queue for quiet hours to end
    await h.waitForState(userId, (s) => s.queue.length === 1, 'the reminder pending');
    expect(sent(userId)).toEqual([]);

    // With the reminder pending. (The time-skipping server does not move its clock while a task waits for a worker,
    // so the new worker comes first and the morning after.)
    await h.stopWorker();
    await h.startWorker();
    await h.sleepUntil(addMs(start, hours(12)));
    const first = await waitForRun(h, runId, (v) => v.outcomes.sent === 1, 'the first reminder’s outcome in the run');
    expect(first.outcomes).toEqual({ sent: 1 });

    await h.sleepUntil(addMs(start, days(2)));
    expect(await endOf(h, runId)).toBe('completed');
    expect(sent(userId).map((c) => [c.id, c.template])).toEqual([
      [`${runId}#1`, 'cart_abandoned'],
      [`${runId}#2`, 'cart_top_item'],
    ]);
    const decided = (await h.waitForDecisions(userId, 2)).map((d) => [d.candidateId, d.outcome.kind]);
    expect(decided).toEqual([
      [`${runId}#1`, 'sent'],
      [`${runId}#2`, 'sent'],
    ]);
    expect(h.journeyRuns.records.filter((r) => r.runId === runId).map((r) => r.kind)).toEqual(['enrolled', 'ended']);
  }, 300_000);

  it('trial: an event sent while no worker runs reaches the waiting run, so the day-1 tip is not sent', async () => {
    const userId = uniqueUser('trial-restart');
    const start = await startAt(userId, 'America/New_York', 9 * 60);
    await h.users.enroll(userId, { journey: 'trial_expiry', source: 'api', data: { trialEndsAt: start + 5 * DAY } });
    const runId = runIdOf(userId, 'trial_expiry');
    await waitForRun(h, runId, (v) => v.step === 'day 1: waiting for data connection', 'the day-1 wait');

    await h.stopWorker();
    await h.users.sendEvent(userEvent(userId, 'data_connected', {}, addMs(start, HOUR)));
    await h.startWorker();
    await waitForRun(h, runId, (v) => v.step === 'waiting until 48 h before the trial ends', 'the connection taken');

    await h.sleepUntil(addMs(start, days(5)));
    expect(await endOf(h, runId)).toBe('completed');
    expect(sent(userId).map((c) => [c.template, c.variables])).toEqual([
      ['trial_ending', { plan: 'starter', hours_left: 48 }],
    ]);
  }, 300_000);
});
