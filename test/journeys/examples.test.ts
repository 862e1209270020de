// The trial expiry, onboarding and streak saver journeys on the time-skipping server: each proposes only what its
// spec says, through the user's budget, and reads the user's events and lifecycle stage.
import { describe, expect, it } from 'vitest';
import { nextLocalTime } from '../../domain';
import { minuteOfDay, addMs, days, hours, subMs, plusMs } from '../../domain/units';
import { DAY, HOUR, MINUTE, userEvent } from '../workflows/support/events';
import { defineHarness, uniqueUser } from '../workflows/support/harness';
import { endOf, runIdOf, waitForRun } from './support';
import type { EpochMs } from '../../domain/types';
import { nth, present } from '../../domain/present';

const h = defineHarness();
const tz = 'America/New_York';

async function startAt(userId: string, minute: number): Promise<EpochMs> {
  await h.users.updateProfile(userId, { timeZone: tz });
  const at = nextLocalTime(await h.now(), tz, minuteOfDay(minute));
  await h.sleepUntil(at);
  return at;
}

const sent = (userId: string) => h.deliveries.filter((d) => d.input.userId === userId).map((d) => d.input.candidate);

describe('example journeys', () => {
  it('trial expiry: "connect your data" when not done on day 1, then the Pro plan for a heavy user', async () => {
    const userId = uniqueUser('trial');
    const start = await startAt(userId, 9 * 60);
    await h.users.enroll(userId, { journey: 'trial_expiry', source: 'api', data: { trialEndsAt: start + 7 * DAY } });
    const runId = runIdOf(userId, 'trial_expiry');
    await waitForRun(h, runId, (v) => v.step === 'day 1: waiting for data connection', 'the day-1 wait');
    for (let i = 0; i < 6; i++)
      await h.users.sendEvent(userEvent(userId, 'feature_used', { n: i }, addMs(start, MINUTE)));
    await h.sleepUntil(addMs(start, days(7)));
    expect(await endOf(h, runId)).toBe('completed');
    expect(sent(userId).map((c) => [c.template, c.variables, c.journey?.step])).toEqual([
      ['trial_connect_data', {}, 'day 1: connect your data'],
      ['trial_ending', { plan: 'pro', hours_left: 48 }, 'plan message (pro)'],
    ]);
  });

  it('trial expiry: no day-1 tip once the data is connected, and Starter for a light user', async () => {
    const userId = uniqueUser('trial-connected');
    const start = await startAt(userId, 9 * 60);
    await h.users.enroll(userId, { journey: 'trial_expiry', source: 'api', data: { trialEndsAt: start + 5 * DAY } });
    const runId = runIdOf(userId, 'trial_expiry');
    await waitForRun(h, runId, (v) => v.step === 'day 1: waiting for data connection', 'the day-1 wait');
    await h.users.sendEvent(userEvent(userId, 'data_connected', {}, addMs(start, HOUR)));
    await h.sleepUntil(addMs(start, days(5)));
    expect(await endOf(h, runId)).toBe('completed');
    expect(sent(userId).map((c) => c.template)).toEqual(['trial_ending']);
    expect(nth(sent(userId), 0).variables).toEqual({ plan: 'starter', hours_left: 48 });
  });

  it('onboarding: a tip only for the steps not completed, at 10:00 local', async () => {
    const userId = uniqueUser('onboarding');
    const start = await startAt(userId, 8 * 60);
    await h.users.enroll(userId, { journey: 'onboarding', source: 'api' });
    const runId = runIdOf(userId, 'onboarding');
    await waitForRun(h, runId, (v) => v.step === 'profile: waiting a day', 'the first wait');
    await h.users.sendEvent(userEvent(userId, 'onboarding_step_completed', { step: 'profile' }, addMs(start, HOUR)));
    await h.sleepUntil(addMs(start, days(5)));
    expect(await endOf(h, runId)).toBe('completed');
    expect(sent(userId).map((c) => c.variables)).toEqual([{ step: 'first_project' }, { step: 'invite_team' }]);
    for (const d of h.deliveries.filter((x) => x.input.userId === userId)) {
      expect(new Date(d.at).toLocaleString('en-US', { timeZone: tz, hour: 'numeric', hour12: false })).not.toBe('8');
    }
  });

  it('streak saver: an active user gets one gentle reminder on a day without activity, none on a day with', async () => {
    const userId = uniqueUser('streak');
    const start = await startAt(userId, 12 * 60);
    await h.users.appOpened(userId, subMs(start, HOUR));
    await h.users.enroll(userId, { journey: 'streak_saver', source: 'api', data: { usualTime: '18:00' } });
    const runId = runIdOf(userId, 'streak_saver');
    await waitForRun(h, runId, (v) => v.step === 'day 1: waiting for the usual time', 'day 1');
    await h.users.sendEvent(userEvent(userId, 'streak_extended', {}, addMs(start, HOUR))); // day 1 done before 18:00
    await h.sleepUntil(addMs(start, plusMs(DAY, hours(8)))); // past day 2's 18:00 and its reminder's window
    const reminders = sent(userId);
    expect(reminders.map((c) => [c.businessValue, c.journey?.step])).toEqual([[0.4, 'day 2: gentle reminder']]);
  });

  it('streak saver: a churned user is left alone', async () => {
    const userId = uniqueUser('streak-churned');
    const start = await startAt(userId, 12 * 60);
    await h.users.appOpened(userId, subMs(start, days(40)));
    await h.users.enroll(userId, { journey: 'streak_saver', source: 'api' });
    const runId = runIdOf(userId, 'streak_saver');
    await h.sleepUntil(addMs(start, DAY));
    expect(await endOf(h, runId)).toBe('completed');
    expect(sent(userId)).toEqual([]);
    expect(present((await h.state(userId)).journeys, '(await h.state(userId)).journeys').ended[0]).toMatchObject({
      journey: 'streak_saver',
      reason: 'completed',
    });
  });
});
