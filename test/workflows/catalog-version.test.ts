// A running user workflow crossing a catalog/policy version change, through the real SDK on the time-skipping
// server: asleep until a planned send, it learns of the new version only from the send activity's answer (no signal,
// no extra activity), re-plans under it, and `state` and the decision show the version. Its history is saved as a
// replay fixture (UPDATE_HISTORY_FIXTURES=1), so later workflow changes are replayed across a version change.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, withOverrides, type RuleSet } from '../../domain';
import { saveHistoryFixtures } from './support/fixtures';
import { defineHarness, uniqueUser } from './support/harness';
import { probability, hours, addMs, minutes, epochMs } from '../../domain/units';
import { present } from '../../domain/present';

const v1: RuleSet = { id: '1111111111111111', since: epochMs(1), policy: DEFAULT_POLICY };
let current: RuleSet = v1;

const h = defineHarness({ workflowOptions: { config: v1 }, handover: { currentConfig: () => current } });

describe('a catalog version change reaching a running workflow', () => {
  it('adopts the new cap at its planned send, with no signal, and shows the version', async () => {
    const userId = uniqueUser('version');
    const now = await h.now();
    h.settings.store(userId, { timeZone: 'UTC', locale: 'en' });
    await h.users.proposeCandidate({
      id: 'promo-1',
      userId,
      category: 'marketing',
      template: 'promo_available',
      variables: {},
      createdAt: now,
      expiresAt: addMs(now, hours(48)),
      notBefore: addMs(now, hours(3)),
      businessValue: probability(0.9),
      source: 'api',
      sourceId: 'promo-1',
    });
    const asleep = await h.waitForState(
      userId,
      (s) => s.nextPlannedSend?.candidateId === 'promo-1' && s.inboxSize === 0,
      'the workflow asleep until the planned send',
    );
    expect(asleep.configVersion).toEqual({ id: v1.id, since: v1.since });

    current = {
      id: '2222222222222222',
      since: epochMs(2),
      policy: withOverrides(DEFAULT_POLICY, { categories: { marketing: { weeklyCap: 0 } } }),
    };
    await h.sleepUntil(addMs(present(asleep.nextPlannedSend, 'asleep.nextPlannedSend').at, minutes(1)));
    const after = await h.waitForState(
      userId,
      (s) => s.recentDecisions.some((d) => d.candidateId === 'promo-1'),
      'the decision under the new version',
    );
    expect(after.configVersion).toEqual({ id: '2222222222222222', since: 2 });
    expect(after.recentDecisions.find((d) => d.candidateId === 'promo-1')).toMatchObject({
      configVersion: '2222222222222222',
      provenance: { source: 'api', sourceId: 'promo-1', template: 'promo_available' },
      outcome: { kind: 'suppressed', reason: 'category_cap' },
    });
    expect(h.deliveries.filter((d) => d.input.userId === userId)).toEqual([]);

    const runs = await h.histories(userId);
    const signals = runs
      .flatMap((r) => r.history.events ?? [])
      .filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals).toHaveLength(1); // the proposal; the version came with the send activity's answer
    saveHistoryFixtures('version-change', runs);
  });
});
