// The generic withdrawal (journeys' exits, campaigns' cancels) on the time-skipping server: only the matching pending
// candidates end, `suppressed: cancelled`, at once; nothing is sent for them later; a user without a workflow gets none.
import { describe, expect, it } from 'vitest';
import { nextLocalTime } from '../../domain';
import type { Candidate, EpochMs } from '../../domain/types';
import { DAY, HOUR, MINUTE } from './support/events';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import { minuteOfDay, probability, addMs } from '../../domain/units';
import { nth, present } from '../../domain/present';

const h = defineHarness();

function candidate(
  userId: string,
  id: string,
  at: EpochMs,
  provenance: Pick<Candidate, 'source' | 'sourceId'>,
): Candidate {
  return {
    id,
    userId,
    category: 'reminder',
    template: 'streak_at_risk',
    variables: { streak_days: 3 },
    createdAt: at,
    expiresAt: addMs(at, DAY),
    businessValue: probability(0.7),
    ...provenance,
  };
}

describe('withdraw signal', () => {
  it('ends the matching pending candidates at once, and only those', async () => {
    const userId = uniqueUser('withdraw');
    const tz = 'Europe/Paris';
    await h.users.updateProfile(userId, { timeZone: tz });
    const at23 = nextLocalTime(await h.now(), tz, minuteOfDay(23 * 60));
    await h.sleepUntil(at23);
    await h.users.proposeCandidate(candidate(userId, 'c-spring', at23, { source: 'campaign', sourceId: 'spring' }));
    await h.users.proposeCandidate(candidate(userId, 'j-run1', at23, { source: 'journey', sourceId: 'run-1' }));
    await h.waitForState(userId, (s) => s.queue.length === 2, 'two waiting for the morning');

    expect(await h.users.withdraw(userId, { source: 'campaign', sourceId: 'spring' })).toBe(true);
    const after = await h.waitForState(userId, (s) => s.recentDecisions.length === 1, 'the withdrawal');
    expect(after.recentDecisions[0]).toMatchObject({
      candidateId: 'c-spring',
      outcome: { kind: 'suppressed', reason: 'cancelled' },
      provenance: { source: 'campaign', sourceId: 'spring' },
    });
    expect(nth(after.recentDecisions, 0).outcome.at - at23).toBeLessThan(MINUTE);
    expect(after.queue.map((c) => c.id)).toEqual(['j-run1']);

    // The other one goes at its planned time (the user's best hour the next day).
    await h.sleepUntil(addMs(present(after.nextPlannedSend, 'after.nextPlannedSend').at, HOUR));
    const done = await h.waitForState(userId, (s) => s.recentDecisions.length === 2, 'the other one sent');
    expect(done.recentDecisions[1]).toMatchObject({ candidateId: 'j-run1', outcome: { kind: 'sent' } });
    expect(h.deliveries.filter((d) => d.input.userId === userId).map((d) => d.input.candidate.id)).toEqual(['j-run1']);
    saveHistoryFixtures('withdraw', await h.histories(userId));
  });

  it('starts no workflow for a user who has none', async () => {
    const userId = uniqueUser('nobody');
    expect(await h.users.withdraw(userId, { source: 'campaign', sourceId: 'spring' })).toBe(false);
    expect(await h.users.state(userId)).toBeNull();
  });
});
