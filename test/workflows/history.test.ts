// Long-lived histories stay small: a signal storm and continue-as-new, without losing a signal.
import { describe, expect, it } from 'vitest';
import { nextLocalTime } from '../../domain';
import { HOUR, MINUTE, templateFor, userEvent } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import { minuteOfDay, addMs, hours, durationMs, plusMs } from '../../domain/units';
import { nth, present } from '../../domain/present';

const h = defineHarness();

/** Workflow-task bookkeeping around the signals of a run (task scheduled/started/completed, activities, upserts). */
const SLACK = 60;

async function inChunks<T>(items: T[], size: number, send: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(send));
}

describe('history bounds', () => {
  it('a burst of 1,000 event signals loses nothing and keeps every run under the history cap', async () => {
    const cap = 500;
    const users = h.usersWith({ maxHistoryEvents: cap });
    const userId = uniqueUser('storm');
    await users.updateProfile(userId, { timeZone: 'UTC' });
    const now = await h.now();
    const events = Array.from({ length: 1_000 }, (_, i) =>
      userEvent(userId, 'new_content', { contentId: `c${i}`, title: `t${i}` }, now, `storm-${i}`),
    );
    await inChunks(events, 50, (e) => users.sendEvent(e));

    const state = await h.waitForState(userId, (s) => s.stats.messagesProcessed === 1_001, 'all 1,000 events');
    expect(state.stats.events).toBe(1_000);
    expect(state.stats.duplicateEvents).toBe(0);
    expect(state.stats.candidatesAdmitted).toBe(1_000);

    // Every candidate is accounted for exactly once: still queued, or decided. A decision is either in the decision
    // log already or still buffered by the workflow (written with its next activity), and the state view shows every
    // buffered one. With the queue bounded, most of the burst ends as decisions, some of them still buffered.
    const recorded = () => h.decisions.decisionsFor(userId).map((d) => d.candidateId);
    const decided = (s: { recentDecisions: { candidateId: string }[] }) =>
      new Set([...recorded(), ...s.recentDecisions.map((d) => d.candidateId)]);
    const settled = await h.waitForState(
      userId,
      (s) => s.queue.length + decided(s).size === 1_000,
      'every candidate queued or decided',
    );
    expect(new Set(recorded()).size).toBe(recorded().length);
    const ids = [...settled.queue.map((c) => c.id), ...decided(settled)];
    expect(new Set(ids).size).toBe(1_000);
    for (const e of events) expect(ids.filter((id) => id.startsWith(`${e.id}:`))).toHaveLength(1);

    const runs = await h.histories(userId);
    expect(runs.length).toBeGreaterThan(1);
    // Signals that reach the server before the worker's next workflow task cannot be refused, so a run can
    // exceed the cap by at most the burst; the workflow continues-as-new at its first chance after that.
    for (const run of runs)
      expect(present(run.history.events, 'run.history.events').length).toBeLessThan(cap + events.length + SLACK);
    expect(
      present(present(runs.at(-1), 'the last of runs').history.events, 'runs.at(-1).history.events').length,
    ).toBeLessThan(cap);
    expect(settled.stats.continuedAsNew).toBe(runs.length - 1);
  });

  it('continue-as-new carries state (sends, cooldown, event dedupe) and loses no signal', async () => {
    const users = h.usersWith({ maxHistoryEvents: 120 });
    const userId = uniqueUser('can');
    await users.updateProfile(userId, { timeZone: 'UTC' });
    const ten = nextLocalTime(await h.now(), 'UTC', minuteOfDay(10 * 60));
    await h.sleepUntil(ten);
    const first = userEvent(userId, 'payment_failed', { invoiceId: 'inv-1', amount: 3, currency: 'EUR' }, ten);
    await users.sendEvent(first);
    const sent = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the first send');
    const sentAt = nth(sent.recentDecisions, 0).outcome.at;

    // 300 signals in a burst, with a replay of the first event and a new event in the middle of it.
    const second = userEvent(userId, 'payment_failed', { invoiceId: 'inv-2', amount: 4, currency: 'EUR' }, ten);
    const burst = Array.from({ length: 300 }, (_, i) => () => users.devicesChanged(userId, addMs(ten, durationMs(i))));
    burst.splice(100, 0, () => users.sendEvent(first));
    burst.splice(200, 0, () => users.sendEvent(second));
    await inChunks(burst, 25, (send) => send());

    const after = await h.waitForState(userId, (s) => s.stats.messagesProcessed === 304, 'every signal');
    expect(after.stats.continuedAsNew).toBeGreaterThanOrEqual(1);
    expect(after.stats.duplicateEvents).toBe(1);
    expect(after.stats.events).toBe(3);
    // The carried send still holds the cooldown: the second payment notice waits for it.
    expect(after.cooldownUntil).toBe(sentAt + 4 * HOUR);
    expect(after.nextPlannedSend).toMatchObject({ at: sentAt + 4 * HOUR });
    expect(after.queue.map((c) => c.template)).toEqual([templateFor('payment_failed')]);

    await h.sleepUntil(addMs(sentAt, plusMs(hours(4), MINUTE)));
    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 2, 'the second send');
    expect(nth(done.recentDecisions, 1).outcome).toMatchObject({ kind: 'sent' });
    expect(h.decisions.decisionsFor(userId).map((d) => d.outcome.kind)).toEqual(['sent', 'sent']);

    const runs = await h.histories(userId);
    expect(runs.length).toBe(done.stats.continuedAsNew + 1);
    // Stored settings are loaded once per workflow lifetime: later runs carry them in their state.
    const loads = runs.map(
      (r) =>
        (r.history.events ?? []).filter(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'loadUserSettings',
        ).length,
    );
    expect(loads).toEqual([1, ...runs.slice(1).map(() => 0)]);
    saveHistoryFixtures('continue-as-new', runs);
  });
});
