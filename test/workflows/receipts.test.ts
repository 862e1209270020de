// Receipts reach the workflow and show in `state`; a failed delivery neither counts against the budget nor frees
// any of it (docs/product.md §7, issue 5 part 7). Through the real SDK on the time-skipping server.
import { describe, expect, it } from 'vitest';
import { nextLocalTime } from '../../domain';
import { minuteOfDay, probability, addMs, hours, minutes, seconds, plusMs } from '../../domain/units';
import type { Candidate, EpochMs } from '../../domain/types';
import { HOUR, MINUTE } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import { nth, present } from '../../domain/present';

const h = defineHarness();
const TZ = 'Europe/Paris';

/** A social candidate that expires within the hour, so it goes as soon as the rules allow (no send-time wait). */
function urgentSocial(userId: string, id: string, now: EpochMs): Candidate {
  return {
    id,
    userId,
    category: 'social',
    template: 'friend_joined',
    variables: {},
    createdAt: now,
    expiresAt: addMs(now, minutes(15)),
    businessValue: probability(0.9),
    source: 'journey',
  };
}

async function userAt(prefix: string, minute: number): Promise<{ userId: string; start: EpochMs }> {
  const userId = uniqueUser(prefix);
  await h.users.updateProfile(userId, { timeZone: TZ });
  const start = nextLocalTime(await h.now(), TZ, minuteOfDay(minute));
  await h.sleepUntil(start);
  return { userId, start };
}

describe('receipts and failed deliveries', () => {
  it('shows every receipt of a send in the state query', async () => {
    const { userId, start } = await userAt('receipts', 10 * 60 + 5);
    await h.users.proposeCandidate(urgentSocial(userId, 'r1', start));
    const sent = await h.waitForState(userId, (s) => s.recentSends.length === 1, 'the send');
    const sentAt = nth(sent.recentSends, 0).sentAt;
    expect(sent.recentSends[0]).toEqual({ notificationId: 'r1', category: 'social', channel: 'push', sentAt });

    await h.sleepUntil(addMs(sentAt, minutes(5)));
    await h.users.notificationEvent(userId, { notificationId: 'r1', type: 'delivered', at: addMs(sentAt, seconds(2)) });
    await h.users.notificationEvent(userId, { notificationId: 'r1', type: 'opened', at: addMs(sentAt, minutes(3)) });
    await h.users.notificationEvent(userId, { notificationId: 'r1', type: 'converted', at: addMs(sentAt, minutes(4)) });
    const after = await h.waitForState(userId, (s) => s.stats.messagesProcessed === 5, 'the receipts');
    expect(after.recentSends).toEqual([
      {
        notificationId: 'r1',
        category: 'social',
        channel: 'push',
        sentAt,
        deliveredAt: sentAt + 2_000,
        openedAt: sentAt + 3 * MINUTE,
        convertedAt: sentAt + 4 * MINUTE,
      },
    ]);
    // The decision log has the send once; receipts are not decisions.
    expect(h.decisions.decisionsFor(userId).map((d) => [d.candidateId, d.outcome.kind])).toEqual([['r1', 'sent']]);
    saveHistoryFixtures('receipts', await h.histories(userId));
  });

  it('a delivery that failed everywhere does not count against the budget and frees nothing', async () => {
    const { userId, start } = await userAt('failed', 10 * 60 + 5);
    await h.users.proposeCandidate(urgentSocial(userId, 'f1', start));
    const first = await h.waitForState(userId, (s) => s.recentSends.length === 1, 'the first send');
    const firstAt = nth(first.recentSends, 0).sentAt;
    expect(first.budgetLeftToday).toBe(2);
    expect(first.cooldownUntil).toBe(firstAt + 4 * HOUR);

    // Still in the first send's cooldown: the failure must not shorten it (nor give back its budget).
    h.failedDeliveries.set('f2', {
      kind: 'failed',
      reason: 'delivery_failed',
      detail: 'push: every endpoint failed permanently (410 Unregistered)',
    });
    const inCooldown = addMs(firstAt, HOUR);
    await h.sleepUntil(inCooldown);
    await h.users.proposeCandidate({
      ...urgentSocial(userId, 'f2', inCooldown),
      expiresAt: addMs(firstAt, plusMs(hours(4), minutes(20))),
    });
    await h.waitForState(userId, (s) => s.nextPlannedSend?.candidateId === 'f2', 'f2 waiting for the cooldown');
    await h.sleepUntil(addMs(firstAt, plusMs(hours(4), MINUTE)));
    const failed = await h.waitForState(
      userId,
      (s) => s.recentDecisions.some((d) => d.candidateId === 'f2'),
      'the failed delivery',
    );
    const f2 = present(
      failed.recentDecisions.find((d) => d.candidateId === 'f2'),
      "the failed.recentDecisions entry where d.candidateId === 'f2'",
    );
    expect(f2.outcome).toMatchObject({ kind: 'suppressed', reason: 'delivery_failed' });
    // It was attempted only once the first send's cooldown was over.
    expect(f2.outcome.at).toBeGreaterThanOrEqual(firstAt + 4 * HOUR);
    expect(failed.recentSends.map((s) => s.notificationId)).toEqual(['f1']);
    expect(failed.budgetLeftToday).toBe(2);
    expect(failed.cooldownUntil).toBeNull();
    expect(failed.stats).toMatchObject({ sent: 1, suppressed: 1 });

    // The failure started no cooldown: the next candidate goes at once and takes the budget the failure did not.
    const now = await h.now();
    await h.users.proposeCandidate(urgentSocial(userId, 'f3', now));
    const third = await h.waitForState(userId, (s) => s.recentSends.length === 2, 'the third send');
    expect(nth(third.recentSends, 1).notificationId).toBe('f3');
    expect(nth(third.recentSends, 1).sentAt - now).toBeLessThan(MINUTE);
    expect(third.budgetLeftToday).toBe(1);
    expect(h.decisions.decisionsFor(userId).map((d) => [d.candidateId, d.outcome.kind])).toEqual([
      ['f1', 'sent'],
      ['f2', 'suppressed'],
      ['f3', 'sent'],
    ]);
    saveHistoryFixtures('delivery-failed', await h.histories(userId));
  });
});
