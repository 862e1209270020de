// The cart abandonment journey and the journey guarantees on the time-skipping server, through the real SDK: the
// reminders go through the user's budget auction, a purchase ends the run and withdraws a waiting reminder, one
// active run per user, the re-entry period, opt-out, and events reaching the run across continue-as-new.
import { describe, expect, it } from 'vitest';
import { nextLocalTime } from '../../domain';
import { HOUR, MINUTE, userEvent } from '../workflows/support/events';
import { defineHarness, uniqueUser } from '../workflows/support/harness';
import { endOf, runIdOf, runView, saveJourneyFixtures, waitForRun } from './support';
import { minuteOfDay, addMs, days, minutes, subMs, plusMs } from '../../domain/units';
import type { EpochMs } from '../../domain/types';
import { nth, present } from '../../domain/present';

const h = defineHarness();
const CART = 'cart_abandonment';
const tz = 'Europe/Paris';

async function enrollAt(userId: string, minute: number): Promise<EpochMs> {
  await h.users.updateProfile(userId, { timeZone: tz });
  const at = nextLocalTime(await h.now(), tz, minuteOfDay(minute));
  await h.sleepUntil(at);
  await h.users.enroll(userId, { journey: CART, source: 'api', data: { itemCount: 2, topItem: 'Red shoes' } });
  return at;
}

describe('cart abandonment journey', () => {
  it('without a purchase: a reminder after 1 h, one more with the top item a day later, both through the auction', async () => {
    const userId = uniqueUser('cart');
    const start = await enrollAt(userId, 10 * 60);
    const runId = runIdOf(userId, CART);
    await waitForRun(h, runId, (v) => v.step === 'waiting for purchase (1 h)', 'the first wait');
    const state = await h.waitForState(userId, (s) => s.journeys?.active.length === 1, 'the run in the state');
    expect(present(state.journeys, 'state.journeys').active[0]).toMatchObject({ runId, journey: CART, version: 1 });

    await h.sleepUntil(addMs(start, plusMs(HOUR, MINUTE)));
    const proposed = await h.waitForState(
      userId,
      (s) => s.queue.length === 1 || s.recentDecisions.length === 1,
      'the first reminder',
    );
    const first = proposed.queue[0] ?? proposed.recentDecisions[0];
    expect(first).toBeDefined();
    await h.sleepUntil(addMs(start, days(2)));
    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 2, 'both reminders decided');
    expect(done.recentDecisions.map((d) => d.outcome.kind)).toEqual(['sent', 'sent']);
    expect(done.recentDecisions.map((d) => d.provenance)).toEqual([
      {
        source: 'journey',
        sourceId: runId,
        journey: { name: CART, step: 'first reminder' },
        template: 'cart_abandoned',
      },
      {
        source: 'journey',
        sourceId: runId,
        journey: { name: CART, step: 'second reminder' },
        template: 'cart_top_item',
      },
    ]);
    const deliveries = h.deliveries.filter((d) => d.input.userId === userId);
    expect(deliveries.map((d) => d.input.candidate.variables)).toEqual([{ item_count: 2 }, { top_item: 'Red shoes' }]);
    expect(nth(deliveries, 0).at).toBeGreaterThanOrEqual(start + HOUR);
    expect(nth(deliveries, 1).at).toBeGreaterThanOrEqual(start + 25 * HOUR);
    expect(await endOf(h, runId)).toBe('completed');
    const ended = await h.waitForState(userId, (s) => s.journeys?.active.length === 0, 'the run gone from the state');
    expect(present(ended.journeys, 'ended.journeys').ended).toMatchObject([
      { runId, journey: CART, reason: 'completed' },
    ]);
    expect(h.journeyRuns.records.filter((r) => r.runId === runId).map((r) => r.kind)).toEqual(['enrolled', 'ended']);
    await saveJourneyFixtures(h, 'cart-no-purchase', userId, runId);
  });

  it('a purchase while the reminder waits for the morning ends the run and withdraws the reminder', async () => {
    const userId = uniqueUser('cart-buy');
    const start = await enrollAt(userId, 21 * 60 + 30);
    const runId = runIdOf(userId, CART);
    await h.sleepUntil(addMs(start, plusMs(HOUR, MINUTE))); // 22:31: the reminder waits for quiet hours to end
    await h.waitForState(userId, (s) => s.queue.length === 1, 'the reminder waiting');
    await h.users.sendEvent(
      userEvent(userId, 'purchase_completed', { orderId: 'o1' }, addMs(start, plusMs(HOUR, minutes(2)))),
    );
    expect(await endOf(h, runId)).toBe('exit:purchase_completed');
    const after = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the withdrawal');
    expect(after.queue).toEqual([]);
    expect(after.recentDecisions[0]).toMatchObject({
      outcome: { kind: 'suppressed', reason: 'cancelled' },
      provenance: { source: 'journey', sourceId: runId, journey: { step: 'first reminder' } },
    });
    expect(nth(after.recentDecisions, 0).outcome.at - (start + HOUR + 2 * MINUTE)).toBeLessThan(MINUTE);
    await h.sleepUntil(addMs(start, days(2)));
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toEqual([]);
    const ended = h.journeyRuns.records.find((r) => r.runId === runId && r.kind === 'ended');
    expect(ended).toMatchObject({ reason: 'exit:purchase_completed', converted: true });
    await saveJourneyFixtures(h, 'cart-purchase', userId, runId);
  });

  it('ignores a second enrollment while a run is active, and honours the re-entry period', async () => {
    const userId = uniqueUser('cart-again');
    const start = await enrollAt(userId, 9 * 60);
    await h.users.enroll(userId, { journey: CART, source: 'api' });
    const state = await h.waitForState(userId, (s) => (s.journeys?.refused.length ?? 0) === 1, 'the refusal');
    expect(present(state.journeys, 'state.journeys').active.map((r) => r.runId)).toEqual([runIdOf(userId, CART)]);
    expect(present(state.journeys, 'state.journeys').refused[0]).toMatchObject({
      journey: CART,
      why: 'already active',
    });

    await h.users.sendEvent(userEvent(userId, 'purchase_completed', {}, addMs(start, MINUTE)));
    expect(await endOf(h, runIdOf(userId, CART))).toBe('exit:purchase_completed');
    await h.waitForState(userId, (s) => s.journeys?.active.length === 0, 'the run ended');

    await h.sleepUntil(addMs(start, days(2))); // re-entry after 3 days
    await h.users.enroll(userId, { journey: CART, source: 'api' });
    const refused = await h.waitForState(userId, (s) => s.journeys?.refused.length === 2, 'the re-entry refusal');
    expect(nth(present(refused.journeys, 'refused.journeys').refused, 1).why).toMatch(/^re-entry period until /);
    expect(present(refused.journeys, 'refused.journeys').active).toEqual([]);

    await h.sleepUntil(addMs(start, plusMs(days(3), MINUTE)));
    await h.users.enroll(userId, { journey: CART, source: 'api' });
    await h.waitForState(userId, (s) => s.journeys?.active[0]?.runId === runIdOf(userId, CART, 2), 'the second run');
  });

  it('a global opt-out ends the run and its waiting reminder', async () => {
    const userId = uniqueUser('cart-optout');
    const start = await enrollAt(userId, 21 * 60 + 30);
    const runId = runIdOf(userId, CART);
    await h.sleepUntil(addMs(start, plusMs(HOUR, MINUTE)));
    await h.waitForState(userId, (s) => s.queue.length === 1, 'the reminder waiting');
    await h.users.updatePreferences(userId, { globalOptOut: true });
    expect(await endOf(h, runId)).toBe('opted_out');
    const after = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the drop');
    expect(after.recentDecisions[0]).toMatchObject({
      outcome: { kind: 'suppressed', reason: 'opted_out' },
      provenance: { source: 'journey', sourceId: runId },
    });
    const view = await runView(h.client, runId);
    expect(view.outcomes).toEqual({ opted_out: 1 });
  });

  it('a reminder suppressed by the daily cap comes back to the run as suppressed: daily_cap', async () => {
    const userId = uniqueUser('cart-cap');
    const users = h.usersWith({ policy: { dailyCap: 1 } });
    const start = nextLocalTime(await h.now(), tz, minuteOfDay(10 * 60));
    await h.sleepUntil(start);
    // A notification already went out today (the new workflow loads it): the day's budget of one is spent.
    await h.decisions.recordDecisions(userId, [
      {
        candidateId: 'earlier',
        category: 'social',
        outcome: { kind: 'sent', channel: 'push', at: subMs(start, minutes(30)) },
        provenance: { source: 'event', template: 'friend_joined' },
      },
    ]);
    await users.updateProfile(userId, { timeZone: tz });
    await users.enroll(userId, { journey: CART, source: 'api', data: { itemCount: 1 } });
    const runId = runIdOf(userId, CART);
    await waitForRun(h, runId, (v) => v.step === 'waiting for purchase (1 h)', 'the first wait');
    await h.sleepUntil(addMs(start, plusMs(HOUR, MINUTE)));
    const view = await waitForRun(h, runId, (v) => Object.keys(v.outcomes).length > 0, 'the outcome');
    expect(view.outcomes).toEqual({ daily_cap: 1 });
    expect(view.step).toBe('waiting for purchase (24 h)');
  });

  it('reaches the run across the user workflow continuing as new', async () => {
    const userId = uniqueUser('cart-can');
    const users = h.usersWith({ maxHistoryEvents: 60 });
    await users.updateProfile(userId, { timeZone: tz });
    const start = nextLocalTime(await h.now(), tz, minuteOfDay(21 * 60 + 30));
    await h.sleepUntil(start);
    await users.enroll(userId, { journey: CART, source: 'api', data: { itemCount: 3 } });
    const runId = runIdOf(userId, CART);
    await h.sleepUntil(addMs(start, plusMs(HOUR, MINUTE)));
    await h.waitForState(userId, (s) => s.queue.length === 1, 'the reminder waiting');
    for (let i = 0; i < 30; i++) {
      await users.sendEvent(userEvent(userId, 'page_viewed', { page: i }, addMs(start, plusMs(HOUR, MINUTE))));
    }
    const continued = await h.waitForState(
      userId,
      (s) => s.stats.continuedAsNew >= 1 && s.inboxSize === 0 && s.stats.events === 30,
      'a continue-as-new',
    );
    expect(present(continued.journeys, 'continued.journeys').active.map((r) => r.runId)).toEqual([runId]);
    await users.sendEvent(userEvent(userId, 'purchase_completed', {}, addMs(start, plusMs(HOUR, minutes(2)))));
    expect(await endOf(h, runId)).toBe('exit:purchase_completed');
    const after = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the withdrawal');
    expect(nth(after.recentDecisions, 0).outcome).toMatchObject({ kind: 'suppressed', reason: 'cancelled' });
    await saveJourneyFixtures(h, 'cart-continue-as-new', userId, runId);
  });
});
