// A user workflow (re)started by an event alone decides with the profile and preferences stored before it ran,
// through the real SDK: loaded once, before the first message; newer signals win; a store outage holds decisions.
import { describe, expect, it } from 'vitest';
import { defaultPreferences, nextLocalTime } from '../../domain';
import { userWorkflowId } from '../../workflows/definitions';
import { localMinute } from '../domain/oracle';
import { MINUTE, userEvent } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import { waitFor } from '../support/wait';
import { minuteOfDay, addMs } from '../../domain/units';
import { nth, present } from '../../domain/present';

const h = defineHarness();
const TOKYO = 'Asia/Tokyo';

async function historyEvents(userId: string) {
  return (await h.histories(userId)).flatMap((r) => r.history.events ?? []);
}

async function activitiesScheduled(userId: string): Promise<string[]> {
  return (await historyEvents(userId)).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

function loadsOf(userId: string): number {
  return h.settingsLoads.filter((id) => id === userId).length;
}

/** Waits until `check` holds. */
async function until(check: () => boolean, what: string): Promise<void> {
  await waitFor(what, () => (check() ? true : undefined), { timeoutMs: 30_000 });
}

describe('stored settings of a user workflow started by an event', () => {
  it('honours a stored category opt-out and time zone before any settings signal', async () => {
    const userId = uniqueUser('stored');
    h.settings.store(
      userId,
      { timeZone: TOKYO, locale: 'ja' },
      { ...defaultPreferences(), optedOutCategories: ['social'] },
    );
    // 23:30 in Tokyo is 14:30 UTC: on the default (UTC) profile the payment notice would go at once.
    const at2330 = nextLocalTime(await h.now(), TOKYO, minuteOfDay(23 * 60 + 30));
    await h.sleepUntil(at2330);
    await h.users.sendEvent(userEvent(userId, 'friend_joined', { friendId: 'f1', friendName: 'Ana' }, at2330));
    await h.users.sendEvent(
      userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 9, currency: 'JPY' }, at2330),
    );

    const seven = nextLocalTime(at2330, TOKYO, minuteOfDay(7 * 60));
    const waiting = await h.waitForState(
      userId,
      (s) => s.recentDecisions.length === 1 && s.queue.length === 1 && s.nextPlannedSend !== null,
      'the opt-out and the plan',
    );
    expect(waiting.profile).toEqual({ timeZone: TOKYO, locale: 'ja' });
    expect(waiting.preferences.optedOutCategories).toEqual(['social']);
    expect(waiting.recentDecisions[0]).toMatchObject({ category: 'social', outcome: { reason: 'opted_out' } });
    expect(nth(waiting.queue, 0).category).toBe('account');
    expect(present(waiting.nextPlannedSend, 'waiting.nextPlannedSend').at).toBe(seven);
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toEqual([]);

    await h.sleepUntil(addMs(seven, MINUTE));
    const done = await h.waitForState(userId, (s) => s.recentSends.length === 1, 'the 07:00 Tokyo send');
    expect(localMinute(nth(done.recentSends, 0).sentAt, TOKYO)).toBe(7 * 60);
    const [delivery] = h.deliveries.filter((d) => d.input.userId === userId);
    expect(present(delivery, 'delivery').input.profile).toEqual({ timeZone: TOKYO, locale: 'ja' });
    expect(present(delivery, 'delivery').input.preferences.optedOutCategories).toEqual(['social']);
    expect(h.decisions.decisionsFor(userId).map((d) => [d.category, d.outcome.kind])).toEqual([
      ['social', 'suppressed'],
      ['account', 'sent'],
    ]);
    // One load activity for the workflow's lifetime, not one per message or wake-up; the send re-reads the
    // settings inside its own activity (docs/product.md §4.5), at no extra action.
    expect(await activitiesScheduled(userId)).toEqual(['loadUserSettings', 'sendNotification']);
    expect(loadsOf(userId)).toBe(2);
    saveHistoryFixtures('stored-settings', await h.histories(userId));
  });

  it('applies settings signalled during the load after the stored ones, so the newer signal wins', async () => {
    const userId = uniqueUser('newer');
    h.settings.store(userId, { timeZone: TOKYO, locale: 'ja' });
    const noon = nextLocalTime(await h.now(), TOKYO, minuteOfDay(12 * 60));
    await h.sleepUntil(noon);
    const release = h.holdSettingsLoads();
    try {
      await h.users.sendEvent(userEvent(userId, 'friend_joined', { friendId: 'f1', friendName: 'Ana' }, noon));
      await until(() => loadsOf(userId) === 1, 'the load to start');
      // While loading, nothing is decided on the defaults.
      const loading = await h.state(userId);
      expect(loading).toMatchObject({ planWhy: 'loading stored settings', inboxSize: 1, queue: [] });
      expect(loading.recentDecisions).toEqual([]);

      // What the API sends after storing newer settings: the profile, and the whole preference set.
      await h.users.updateProfile(userId, { timeZone: 'Europe/Paris', locale: 'fr' });
      await h.users.updatePreferences(userId, { ...defaultPreferences(), optedOutCategories: ['social'] });
      await h.waitForState(userId, (s) => s.inboxSize === 3, 'both signals queued');
    } finally {
      release();
    }

    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the opt-out');
    expect(done.profile).toEqual({ timeZone: 'Europe/Paris', locale: 'fr' });
    expect(done.preferences.optedOutCategories).toEqual(['social']);
    // The event (first in the inbox) was admitted under the stored settings, then dropped by the newer opt-out.
    expect(done.stats.candidatesAdmitted).toBe(1);
    expect(done.recentDecisions[0]).toMatchObject({ category: 'social', outcome: { reason: 'opted_out' } });
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toEqual([]);

    // The history shows the order the workflow saw: both signals arrived while the load was running.
    const events = await historyEvents(userId);
    const scheduled = events.findIndex((e) => e.activityTaskScheduledEventAttributes);
    const completed = events.findIndex((e) => e.activityTaskCompletedEventAttributes);
    const signals = events.flatMap((e, i) => {
      const name = e.workflowExecutionSignaledEventAttributes?.signalName;
      return name ? [{ name, i }] : [];
    });
    expect(signals.map((s) => s.name)).toEqual(['userEvent', 'profile', 'preferences']);
    for (const late of signals.slice(1)) {
      expect(late.i).toBeGreaterThan(scheduled);
      expect(late.i).toBeLessThan(completed);
    }
    expect(loadsOf(userId)).toBe(1);
  });

  it('decides nothing while the settings store is down, and honours a stored global opt-out once it is back', async () => {
    const userId = uniqueUser('down');
    h.settings.store(userId, { timeZone: TOKYO, locale: 'ja' }, { ...defaultPreferences(), globalOptOut: true });
    const noon = nextLocalTime(await h.now(), TOKYO, minuteOfDay(12 * 60));
    await h.sleepUntil(noon);
    h.settingsDown = true;
    try {
      await h.users.sendEvent(userEvent(userId, 'friend_joined', { friendId: 'f1', friendName: 'Ana' }, noon));
      await until(() => loadsOf(userId) >= 3, 'the load to be retried');
      const waiting = await h.state(userId);
      expect(waiting).toMatchObject({ planWhy: 'loading stored settings', inboxSize: 1, queue: [] });
      expect(waiting.recentDecisions).toEqual([]);
      expect(waiting.stats.messagesProcessed).toBe(0);
      expect(h.deliveries.filter((d) => d.input.userId === userId)).toEqual([]);
      const described = await h.client.workflow.getHandle(userWorkflowId(userId)).describe();
      expect(described.status.name).toBe('RUNNING');
    } finally {
      h.settingsDown = false;
    }

    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the opt-out');
    expect(done.preferences.globalOptOut).toBe(true);
    expect(done.recentDecisions[0]).toMatchObject({ category: 'social', outcome: { reason: 'opted_out' } });
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toEqual([]);
    // Retries of one activity, not new activities; the suppression is written before the workflow goes idle.
    await until(() => h.decisions.decisionsFor(userId).length === 1, 'the suppression in the decision log');
    expect(await activitiesScheduled(userId)).toEqual(['loadUserSettings', 'recordDecisions']);
  });

  it('ignores a preference signal older than one applied, and after a restart older than the stored version', async () => {
    const userId = uniqueUser('versions');
    const v1 = { ...defaultPreferences(), optedOutCategories: ['social' as const] };
    const v2 = { ...defaultPreferences(), optedOutCategories: ['marketing' as const], privacyMode: true };
    // Two quick PATCHes stored v1 then v2; their signals arrive v2 first.
    await h.users.setPreferences(userId, v2, 2);
    await h.users.setPreferences(userId, v1, 1);
    const applied = await h.waitForState(userId, (s) => s.stats.messagesProcessed === 2, 'both signals');
    expect(applied.preferences).toEqual(v2);

    // A new run (ops terminated the old one) loads v2 with its version: v1's late signal is still older.
    await h.client.workflow.getHandle(userWorkflowId(userId)).terminate('restart');
    h.settings.store(userId, { timeZone: TOKYO, locale: 'ja' }, v2, 2);
    await h.users.setPreferences(userId, v1, 1);
    const restarted = await h.waitForState(
      userId,
      (s) => s.stats.messagesProcessed === 1 && s.profile.timeZone === TOKYO,
      'the late signal after the load',
    );
    expect(restarted.preferences).toEqual(v2);

    // A newer version, and a change without one (older clients), still apply.
    await h.users.setPreferences(userId, v1, 3);
    await h.users.updatePreferences(userId, { nightDelivery: true });
    const updated = await h.waitForState(userId, (s) => s.stats.messagesProcessed === 3, 'the newer signals');
    expect(updated.preferences).toEqual({ ...v1, nightDelivery: true });
  });
});
