// Versions and sessions as the workflow's pure state sees them: adopting a newer catalog version (and only a newer
// one), a pending candidate whose category the new version lacks, provenance and version on every decision, and the
// stored session aggregate feeding planning without counting a session twice.
import { describe, expect, it } from 'vitest';
import { addSession, DEFAULT_POLICY, DEFAULT_TRIGGERS, withOverrides, type RuleSet } from '../../domain';
import type { Candidate } from '../../domain/types';
import {
  adoptRuleSet,
  applyMessages,
  applySessions,
  initialState,
  lastEngagedAt,
  plannerState,
} from '../../workflows/user-state';
import { stateView } from '../../workflows/ops-view';
import { probability, addMs, days, durationMs, hours, seconds, subMs } from '../../domain/units';
import { utc } from '../support/instants';
import { present } from '../../domain/present';

const NOW = utc(2025, 5, 2, 10, 0);
const v1: RuleSet = { id: 'aaaaaaaaaaaaaaaa', since: subMs(NOW, seconds(1)), policy: DEFAULT_POLICY };

function candidate(id: string, category: string, extra: Partial<Candidate> = {}): Candidate {
  return {
    id,
    userId: 'u1',
    category,
    template: 'promo_available',
    variables: {},
    createdAt: NOW,
    expiresAt: addMs(NOW, hours(1)),
    businessValue: probability(0.5),
    source: 'api',
    sourceId: `req-${id}`,
    ...extra,
  };
}

function started(): ReturnType<typeof initialState> {
  const state = initialState('u1', NOW);
  state.ruleSet = v1;
  return state;
}

describe('catalog versions in the workflow state', () => {
  it('adopts only a newer version: an older or the same one changes nothing', () => {
    const state = started();
    const older: RuleSet = { ...v1, id: 'bbbbbbbbbbbbbbbb', since: subMs(v1.since, durationMs(1)) };
    expect(adoptRuleSet(state, older, NOW)).toBe(false);
    expect(adoptRuleSet(state, v1, NOW)).toBe(false);
    const capped: RuleSet = {
      id: 'cccccccccccccccc',
      since: NOW,
      policy: withOverrides(DEFAULT_POLICY, { categories: { marketing: { weeklyCap: 0 } } }),
    };
    expect(adoptRuleSet(state, capped, NOW)).toBe(true);
    expect(state.ruleSet).toBe(capped);
    expect(stateView(state, 0, { next: null, why: '' }, NOW, capped.policy).configVersion).toEqual({
      id: 'cccccccccccccccc',
      since: NOW,
    });
  });

  it('ends a pending candidate whose category the new version lacks, with the reason, provenance and version', () => {
    const state = started();
    applyMessages(
      state,
      [{ kind: 'candidates', proposal: { candidates: [candidate('c1', 'marketing'), candidate('c2', 'social')] } }],
      NOW,
      v1.policy,
      DEFAULT_TRIGGERS,
    );
    expect(state.pending.map((c) => c.id)).toEqual(['c1', 'c2']);
    const { marketing: _dropped, ...rest } = DEFAULT_POLICY.categories;
    const v2: RuleSet = { id: 'dddddddddddddddd', since: NOW, policy: { ...DEFAULT_POLICY, categories: rest } };
    adoptRuleSet(state, v2, addMs(NOW, durationMs(1)));
    expect(state.pending.map((c) => c.id)).toEqual(['c2']);
    expect(state.unrecorded).toEqual([
      {
        candidateId: 'c1',
        category: 'marketing',
        provenance: { source: 'api', sourceId: 'req-c1', template: 'promo_available' },
        configVersion: 'dddddddddddddddd',
        outcome: {
          kind: 'suppressed',
          reason: 'category_removed',
          at: NOW + 1,
          detail: 'category "marketing" is not in catalog version dddddddddddddddd',
        },
      },
    ]);
  });

  it('admits the candidates an event signal carries (the API’s match), not its own rules’', () => {
    const state = started();
    const matched = candidate('e1:7', 'social', { source: 'event', sourceId: 'e1' });
    applyMessages(
      state,
      [
        {
          kind: 'event',
          event: {
            id: 'e1',
            userId: 'u1',
            type: 'friend_joined',
            occurredAt: NOW,
            properties: {},
            candidates: [matched],
            configVersion: v1,
          },
        },
      ],
      NOW,
      v1.policy,
      DEFAULT_TRIGGERS,
    );
    expect(state.pending).toEqual([matched]);
  });
});

describe('the stored session aggregate', () => {
  it('feeds planning and dormancy, adopts only a newer aggregate, and is not counted twice with its signal', () => {
    const state = started();
    const evening = utc(2025, 5, 1, 19, 0);
    const aggregate = addSession(addSession(null, subMs(evening, days(1)), 'UTC'), evening, 'UTC');
    expect(applySessions(state, aggregate)).toBe(true);
    expect(applySessions(state, addSession(null, subMs(evening, days(1)), 'UTC'))).toBe(false);
    expect(lastEngagedAt(state)).toBe(evening);
    const counts = present(plannerState(state).engagement, 'plannerState(state).engagement');
    expect(counts.indexOf(Math.max(...counts)) % 24).toBe(19);
    expect(stateView(state, 0, { next: null, why: '' }, NOW, v1.policy).learnedPeakHour).toBe(19);

    // The dormancy-ending signal carries the aggregate that already counts its session.
    const later = addSession(aggregate, NOW, 'UTC');
    applyMessages(state, [{ kind: 'appOpened', at: NOW, sessions: later }], NOW, v1.policy, DEFAULT_TRIGGERS);
    expect(state.sessions).toEqual(later);
    expect(state.engagement.counts.every((c) => c === 0)).toBe(true);
    expect(stateView(state, 0, { next: null, why: '' }, NOW, v1.policy).sessions).toEqual({
      count: 3,
      lastAt: NOW,
      updatedAt: NOW,
    });
  });
});
