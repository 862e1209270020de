// The workflow's pure state transitions and ops view, without a Temporal server.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, DEFAULT_TRIGGERS, defaultPreferences, defaultProfile } from '../../domain';
import type { Candidate, Decision, MinuteOfDay, NotificationEvent, EpochMs } from '../../domain/types';
import {
  minuteOfDay,
  probability,
  addMs,
  durationMs,
  hours,
  minutes,
  subMs,
  days,
  seconds,
  plusMs,
} from '../../domain/units';
import {
  currentDetails,
  opsAttributes,
  RECENT_SENDS_VIEW_CAP,
  searchAttributeUpdates,
  stateView,
} from '../../workflows/ops-view';
import { MAX_UNRECORDED_DECISIONS } from '../../workflows/decision-log';
import {
  applyMessages,
  applyStoredSettings,
  decide,
  EVENT_ID_MEMORY_MS,
  markRecorded,
  RECENT_DECISIONS_CAP,
  initialState,
  MAX_PENDING,
  SEEN_IDS_CAP,
  type InboxMessage,
} from '../../workflows/user-state';
import { loadWorkerConfig, WorkerConfigError } from '../../workers/config';
import { assertOpaqueUserId, InvalidUserIdError } from '../../api/user-client';
import { HOUR, userEvent } from './support/events';
import { utc } from '../support/instants';
import { nth } from '../../domain/present';

const NOW = utc(2025, 5, 2, 10, 0);
const apply = (state: ReturnType<typeof initialState>, messages: InboxMessage[], now = NOW) =>
  applyMessages(state, messages, now, DEFAULT_POLICY, DEFAULT_TRIGGERS);

function journeyCandidate(id: string, overrides: Partial<Candidate> = {}): Candidate {
  return {
    id,
    userId: 'u1',
    category: 'reminder',
    template: 'reminder.cart',
    variables: { name: 'Ana' },
    createdAt: NOW,
    expiresAt: addMs(NOW, hours(24)),
    businessValue: probability(0.6),
    source: 'journey',
    ...overrides,
  };
}

describe('applyMessages', () => {
  it('turns events into candidates and ignores a replayed event id', () => {
    const state = initialState('u1', NOW);
    const e = userEvent('u1', 'friend_joined', { friendId: 'f1', friendName: 'Ana' }, NOW, 'e1');
    apply(state, [
      { kind: 'event', event: e },
      { kind: 'event', event: e },
    ]);
    expect(state.pending).toHaveLength(1);
    expect(nth(state.pending, 0).id.startsWith('e1:')).toBe(true);
    expect(state.stats).toMatchObject({ messagesProcessed: 2, events: 2, duplicateEvents: 1, candidatesAdmitted: 1 });
    expect(state.unrecorded).toEqual([]);
  });

  it('logs a same-dedupeKey candidate as duplicate', () => {
    const state = initialState('u1', NOW);
    apply(state, [
      { kind: 'event', event: userEvent('u1', 'friend_joined', { friendId: 'f1' }, NOW, 'e1') },
      { kind: 'event', event: userEvent('u1', 'friend_joined', { friendId: 'f1' }, NOW, 'e2') },
    ]);
    expect(state.pending).toHaveLength(1);
    expect(state.unrecorded.map((d) => d.outcome)).toMatchObject([{ kind: 'suppressed', reason: 'duplicate' }]);
  });

  it('treats a re-proposed candidate id as the same candidate, and rejects one for another user', () => {
    const state = initialState('u1', NOW);
    const { warnings } = apply(state, [
      { kind: 'candidate', candidate: journeyCandidate('j1') },
      { kind: 'candidate', candidate: journeyCandidate('j1') },
      { kind: 'candidate', candidate: journeyCandidate('j2', { userId: 'u2' }) },
    ]);
    expect(state.pending.map((c) => c.id)).toEqual(['j1']);
    expect(state.unrecorded).toEqual([]);
    expect(warnings).toEqual(['candidate j2 is for another user; ignored']);
  });

  it('drops covered pending candidates as soon as the user opts out', () => {
    const state = initialState('u1', NOW);
    apply(state, [
      { kind: 'candidate', candidate: journeyCandidate('j1') },
      { kind: 'candidate', candidate: journeyCandidate('j2', { category: 'marketing' }) },
      { kind: 'preferences', change: { optedOutCategories: ['marketing'] } },
    ]);
    expect(state.pending.map((c) => c.id)).toEqual(['j1']);
    expect(state.unrecorded).toMatchObject([{ candidateId: 'j2', outcome: { reason: 'opted_out', at: NOW } }]);
    expect(state.stats.suppressed).toBe(1);
  });

  it('withdraws the pending candidates of one source: they end cancelled, others stay', () => {
    const state = initialState('u1', NOW);
    apply(state, [
      { kind: 'candidate', candidate: journeyCandidate('c1', { source: 'campaign', sourceId: 'spring' }) },
      { kind: 'candidate', candidate: journeyCandidate('c2', { source: 'campaign', sourceId: 'autumn' }) },
      { kind: 'candidate', candidate: journeyCandidate('j1', { sourceId: 'spring' }) },
      { kind: 'withdraw', withdraw: { source: 'campaign', sourceId: 'spring' } },
    ]);
    expect(state.pending.map((c) => c.id)).toEqual(['c2', 'j1']);
    expect(state.unrecorded).toMatchObject([
      {
        candidateId: 'c1',
        outcome: { kind: 'suppressed', reason: 'cancelled', at: NOW },
        provenance: { sourceId: 'spring' },
      },
    ]);
  });

  it('rejects an invalid time zone and bad preferences without changing state', () => {
    const state = initialState('u1', NOW);
    const { warnings } = apply(state, [
      { kind: 'profile', change: { timeZone: 'Mars/Olympus' } },
      { kind: 'preferences', change: { quietHours: { start: 1500 as MinuteOfDay, end: minuteOfDay(60) } } },
    ]);
    expect(state.profile.timeZone).toBe('UTC');
    expect(state.preferences.quietHours).toBeNull();
    expect(warnings).toHaveLength(2);
  });

  it('ignores a versioned preference change not newer than the last applied, whatever the arrival order', () => {
    const state = initialState('u1', NOW);
    const v1 = { ...defaultPreferences(), optedOutCategories: ['marketing' as const] };
    const v2 = { ...defaultPreferences(), optedOutCategories: ['social' as const], privacyMode: true };
    const { warnings } = apply(state, [
      { kind: 'candidate', candidate: journeyCandidate('j1', { category: 'marketing' }) },
      { kind: 'preferences', change: { ...v2, version: 2 } },
      { kind: 'preferences', change: { ...v1, version: 1 } },
      { kind: 'preferences', change: { ...v2, version: 2 } },
    ]);
    expect(state.preferences).toEqual(v2);
    expect(state.preferencesVersion).toBe(2);
    // v1's marketing opt-out never applied: the marketing candidate still waits.
    expect(state.pending.map((c) => c.id)).toEqual(['j1']);
    // An older version is a conflict worth a warning; the same version again is that very write: silent.
    expect(warnings).toEqual(['preference change ignored: version 1 is older than 2']);

    // Without a version (journeys, older clients): merged as before, and the version applied is kept.
    apply(state, [{ kind: 'preferences', change: { nightDelivery: true } }]);
    expect(state.preferences).toEqual({ ...v2, nightDelivery: true });
    expect(state.preferencesVersion).toBe(2);
    apply(state, [{ kind: 'preferences', change: { ...v1, version: 3 } }]);
    expect(state.preferences).toEqual(v1);
    expect(state.preferencesVersion).toBe(3);
    expect(state.unrecorded).toMatchObject([{ candidateId: 'j1', outcome: { reason: 'opted_out' } }]);
  });

  it('rejects a preference change with an invalid version without changing state', () => {
    const state = initialState('u1', NOW);
    for (const version of [-1, 1.5, Number.NaN, '3' as unknown as number]) {
      const { warnings } = apply(state, [{ kind: 'preferences', change: { globalOptOut: true, version } }]);
      expect(warnings).toEqual(['preference change ignored: version is not a whole number ≥ 0']);
    }
    expect(state.preferences).toEqual(defaultPreferences());
    expect(state.preferencesVersion).toBeUndefined();
  });

  it('takes the stored version with stored preferences: an older signal after a restart is ignored', () => {
    const state = initialState('u1', NOW);
    const stored = { ...defaultPreferences(), globalOptOut: true };
    const profile = { timeZone: 'Asia/Tokyo', locale: 'ja' };
    applyStoredSettings(state, { profile, preferences: stored, preferencesVersion: 4 }, NOW, DEFAULT_POLICY);
    expect(state.preferencesVersion).toBe(4);
    const { warnings } = apply(state, [{ kind: 'preferences', change: { ...defaultPreferences(), version: 3 } }]);
    expect(warnings).toEqual(['preference change ignored: version 3 is older than 4']);
    expect(state.preferences).toEqual(stored);

    // A stored read no newer than what a signal already brought (a send's re-read) changes nothing, silently.
    apply(state, [{ kind: 'preferences', change: { ...defaultPreferences(), version: 5 } }]);
    const reread = applyStoredSettings(
      state,
      { profile, preferences: stored, preferencesVersion: 4 },
      NOW,
      DEFAULT_POLICY,
    );
    expect(reread.warnings).toEqual([]);
    expect(state.preferences).toEqual(defaultPreferences());
    expect(state.preferencesVersion).toBe(5);
  });

  it('applies stored settings in full, and keeps the defaults for what was never stored', () => {
    const stored = initialState('u1', NOW);
    const preferences = { ...defaultPreferences(), optedOutChannels: ['email' as const], privacyMode: true };
    const { warnings } = applyStoredSettings(
      stored,
      { profile: { timeZone: 'Asia/Tokyo', locale: 'ja' }, preferences },
      NOW,
      DEFAULT_POLICY,
    );
    expect(warnings).toEqual([]);
    expect(stored.profile).toEqual({ timeZone: 'Asia/Tokyo', locale: 'ja' });
    expect(stored.preferences).toEqual(preferences);
    expect(stored.stats.messagesProcessed).toBe(0);

    const none = initialState('u2', NOW);
    applyStoredSettings(none, { profile: null, preferences: null }, NOW, DEFAULT_POLICY);
    expect(none.profile).toEqual(defaultProfile());
    expect(none.preferences).toEqual(defaultPreferences());
  });

  it('keeps the defaults, with a warning, for a stored time zone or preferences it cannot use', () => {
    const state = initialState('u1', NOW);
    const { warnings } = applyStoredSettings(
      state,
      {
        profile: { timeZone: 'Mars/Olympus', locale: 'ja' },
        preferences: { ...defaultPreferences(), optedOutCategories: ['Not A Name'] },
      },
      NOW,
      DEFAULT_POLICY,
    );
    expect(state.profile).toEqual(defaultProfile());
    expect(state.preferences).toEqual(defaultPreferences());
    expect(warnings).toEqual([
      'stored profile ignored: invalid time zone',
      'stored preferences ignored: invalid category name',
    ]);
  });

  it('marks a send opened, records engagement and invalidates model scores', () => {
    const state = initialState('u1', NOW);
    state.sends.push({ candidateId: 'c1', category: 'social', channel: 'push', at: subMs(NOW, HOUR) });
    state.modelScores.x = {
      score: { candidateId: 'x', expectedValue: probability(0.5), bestSendAt: NOW },
      scoredAt: NOW,
    };
    apply(state, [{ kind: 'notification', event: { notificationId: 'c1', type: 'opened', at: NOW } }]);
    expect(nth(state.sends, 0).openedAt).toBe(NOW);
    expect(state.lastEngagementAt).toBe(NOW);
    expect(state.engagement.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(state.modelScores).toEqual({});
  });

  it('keeps every receipt of a send, counts only responses as engagement, and ignores malformed ones', () => {
    const state = initialState('u1', NOW);
    state.sends.push({ candidateId: 'c1', category: 'social', channel: 'push', at: subMs(NOW, HOUR) });
    const receipt = (type: NotificationEvent['type'], at: EpochMs): InboxMessage => ({
      kind: 'notification',
      event: { notificationId: 'c1', type, at },
    });
    apply(state, [receipt('delivered', addMs(subMs(NOW, HOUR), seconds(2)))]);
    expect(state.sends[0]).toMatchObject({ deliveredAt: NOW - HOUR + 2_000 });
    expect(state.lastEngagementAt).toBeUndefined();

    const { warnings } = apply(state, [
      receipt('engaged', subMs(NOW, seconds(10))),
      receipt('converted', NOW),
      { kind: 'notification', event: { notificationId: 'c1', type: 'clicked' as NotificationEvent['type'], at: NOW } },
      { kind: 'notification', event: { notificationId: 'zz', type: 'opened', at: NOW } },
    ]);
    expect(warnings).toEqual(['notification event with an unknown type or invalid time; ignored']);
    expect(state.sends[0]).toEqual({
      candidateId: 'c1',
      category: 'social',
      channel: 'push',
      at: NOW - HOUR,
      deliveredAt: NOW - HOUR + 2_000,
      openedAt: NOW - 10_000,
      engagedAt: NOW - 10_000,
      convertedAt: NOW,
    });
    // The open of a send the workflow no longer keeps is still engagement.
    expect(state.lastEngagementAt).toBe(NOW);
  });

  it('remembers event ids for 72 hours, and at most the newest SEEN_IDS_CAP', () => {
    const state = initialState('u1', NOW);
    const pageView = (id: string, at: EpochMs) => ({
      kind: 'event' as const,
      event: userEvent('u1', 'page_viewed', {}, at, id),
    });
    const events = Array.from({ length: SEEN_IDS_CAP + 10 }, (_, i) => pageView(`p${i}`, NOW));
    apply(state, events);
    const ids = Object.keys(state.seenIds);
    expect(ids).toHaveLength(SEEN_IDS_CAP);
    expect(ids[0]).toBe('event:p10');

    // Within 72 h a re-sent event is a duplicate; after 72 h it is new again, and the old ids are forgotten.
    const justBefore = addMs(NOW, durationMs(EVENT_ID_MEMORY_MS - 1));
    apply(state, [pageView('p20', justBefore)], justBefore);
    expect(state.stats.duplicateEvents).toBe(1);
    const atMemoryEnd = addMs(NOW, durationMs(EVENT_ID_MEMORY_MS));
    apply(state, [pageView('p21', atMemoryEnd)], atMemoryEnd);
    expect(state.stats.duplicateEvents).toBe(1);
    expect(state.seenIds).toEqual({ 'event:p21': NOW + EVENT_ID_MEMORY_MS });
  });

  it('takes a receipt or app open dated in the future (beyond a small skew) as now', () => {
    const state = initialState('u1', NOW);
    state.sends = [{ candidateId: 'n1', category: 'social', channel: 'push', at: subMs(NOW, HOUR) }];
    const fiveYears = addMs(NOW, days(5 * 365));
    apply(state, [{ kind: 'notification', event: { notificationId: 'n1', type: 'opened', at: fiveYears } }]);
    expect(nth(state.sends, 0).openedAt).toBe(NOW);
    expect(state.lastEngagementAt).toBe(NOW);
    apply(state, [{ kind: 'appOpened', at: fiveYears }], addMs(NOW, HOUR));
    expect(state.lastEngagementAt).toBe(NOW + HOUR);
    expect(state.engagement.updatedAt).toBe(NOW + HOUR);
    // A clock a minute ahead is within the skew: kept as reported.
    apply(state, [{ kind: 'appOpened', at: addMs(NOW, plusMs(HOUR, minutes(1))) }], addMs(NOW, HOUR));
    expect(state.lastEngagementAt).toBe(NOW + HOUR + 60_000);
  });

  it('keeps at most MAX_PENDING waiting, suppressing the least valuable non-critical ones', () => {
    const state = initialState('u1', NOW);
    const valued = (i: number, businessValue: number, category: Candidate['category'] = 'reminder') =>
      ({
        kind: 'candidate',
        candidate: journeyCandidate(`c${i}`, { businessValue: probability(businessValue), category }),
      }) as const;
    const messages: InboxMessage[] = [
      ...Array.from({ length: MAX_PENDING - 2 }, (_, i) => valued(i, 0.5)),
      valued(900, 0.05),
      valued(901, 0.9, 'security'),
      valued(902, 0.01, 'account'),
      valued(903, 0.07),
    ];
    apply(state, messages);
    expect(state.pending).toHaveLength(MAX_PENDING);
    expect(state.unrecorded.map((d) => [d.candidateId, d.outcome.kind === 'suppressed' && d.outcome.reason])).toEqual([
      ['c900', 'low_score'],
      ['c903', 'low_score'],
    ]);
    expect(nth(state.unrecorded, 0).outcome).toMatchObject({
      detail: expect.stringContaining('queue full (200 waiting)'),
    });
    expect(state.pending.map((c) => c.id)).toEqual(expect.arrayContaining(['c901', 'c902']));
  });
});

describe('ops view', () => {
  it('answers the query without template variables and upserts only what changed', () => {
    const state = initialState('u1', NOW);
    apply(state, [{ kind: 'candidate', candidate: journeyCandidate('j1') }]);
    const plan = {
      next: { at: addMs(NOW, HOUR), candidateId: 'j1', why: 'best send time 11:00' },
      why: 'best send time 11:00',
    };
    const view = stateView(state, 0, plan, NOW, DEFAULT_POLICY);
    expect(view.queue).toHaveLength(1);
    expect(view.queue[0]).not.toHaveProperty('variables');
    expect(JSON.stringify(view)).not.toContain('Ana');
    expect(view.budgetLeftToday).toBe(3);

    const attrs = opsAttributes(state, plan, NOW, DEFAULT_POLICY);
    expect(searchAttributeUpdates({}, attrs)).toHaveLength(4);
    expect(searchAttributeUpdates(attrs, attrs)).toEqual([]);
    // Queue size and budget ride along with the attributes ops filter on; alone they cost no upsert.
    expect(searchAttributeUpdates(attrs, { ...attrs, queueSize: 2, budgetLeft: 1 })).toEqual([]);
    expect(searchAttributeUpdates(attrs, { ...attrs, nextSendAt: null })).toEqual([
      { key: expect.objectContaining({ name: 'TactNextSendAt' }), value: null },
    ]);
    expect(searchAttributeUpdates(attrs, { ...attrs, nextSendAt: null, queueSize: 0 }).map((u) => u.key.name)).toEqual([
      'TactNextSendAt',
      'TactQueueSize',
    ]);
    expect(searchAttributeUpdates(attrs, { ...attrs, optedOut: true, budgetLeft: 0 }).map((u) => u.key.name)).toEqual([
      'TactBudgetLeft',
      'TactOptedOut',
    ]);
    // A next send time that moves by less than a minute is not worth an action; a minute or more is.
    expect(
      searchAttributeUpdates(attrs, {
        ...attrs,
        nextSendAt: addMs(NOW, plusMs(HOUR, durationMs(59_999))),
        queueSize: 3,
      }),
    ).toEqual([]);
    expect(
      searchAttributeUpdates(attrs, { ...attrs, nextSendAt: subMs(addMs(NOW, HOUR), minutes(1)) }).map(
        (u) => u.key.name,
      ),
    ).toEqual(['TactNextSendAt']);
    // An earlier wake-up timer stands in for the planned send: "due in the next hour" never misses the user.
    expect(opsAttributes(state, plan, NOW, DEFAULT_POLICY, addMs(NOW, minutes(10))).nextSendAt).toBe(
      addMs(NOW, minutes(10)),
    );
    expect(opsAttributes(state, plan, NOW, DEFAULT_POLICY, addMs(NOW, hours(2))).nextSendAt).toBe(addMs(NOW, HOUR));
    expect(
      opsAttributes(state, { next: null, why: 'idle' }, NOW, DEFAULT_POLICY, addMs(NOW, HOUR)).nextSendAt,
    ).toBeNull();
    expect(view.recentSends).toEqual([]);
    const details = currentDetails(state, plan, attrs);
    expect(details).toContain('**Next send:** `j1` at 2025-06-02 11:00 UTC');
    expect(details).not.toContain('Ana');
  });
});

describe('recent sends in the state query', () => {
  it('lists the last sends with their receipts, newest last and bounded', () => {
    const state = initialState('u1', NOW);
    for (let i = 0; i < RECENT_SENDS_VIEW_CAP + 5; i++) {
      state.sends.push({ candidateId: `c${i}`, category: 'social', channel: 'push', at: subMs(NOW, hours(40 - i)) });
    }
    const last = `c${RECENT_SENDS_VIEW_CAP + 4}`;
    apply(state, [
      { kind: 'notification', event: { notificationId: last, type: 'delivered', at: subMs(NOW, hours(15)) } },
      { kind: 'notification', event: { notificationId: last, type: 'opened', at: subMs(NOW, hours(14)) } },
    ]);
    const view = stateView(state, 0, { next: null, why: 'idle' }, NOW, DEFAULT_POLICY);
    expect(view.recentSends).toHaveLength(RECENT_SENDS_VIEW_CAP);
    expect(nth(view.recentSends, 0).notificationId).toBe('c5');
    expect(view.recentSends.at(-1)).toEqual({
      notificationId: last,
      category: 'social',
      channel: 'push',
      sentAt: NOW - 16 * HOUR,
      deliveredAt: NOW - 15 * HOUR,
      openedAt: NOW - 14 * HOUR,
    });
    expect(view.recentSends[0]).not.toHaveProperty('openedAt');
  });
});

describe('worker config and user ids', () => {
  it('reads the environment with defaults and clear errors', () => {
    expect(loadWorkerConfig({})).toMatchObject({
      taskQueue: 'tact-users',
      address: 'localhost:7233',
      namespace: 'default',
    });
    expect(loadWorkerConfig({ TACT_TASK_QUEUE: 'q', TEMPORAL_ADDRESS: 'temporal:7233' })).toMatchObject({
      taskQueue: 'q',
      address: 'temporal:7233',
    });
    expect(() => loadWorkerConfig({ TACT_MAX_CACHED_WORKFLOWS: 'many' })).toThrow(WorkerConfigError);
    expect(() => loadWorkerConfig({ TEMPORAL_ADDRESS: 'http://x' })).toThrow(/host:port/);
  });

  it('accepts opaque user ids and rejects PII-shaped ones', () => {
    expect(() => assertOpaqueUserId('usr_8f3a-22')).not.toThrow();
    expect(() => assertOpaqueUserId('ana@example.com')).toThrow(InvalidUserIdError);
    expect(() => assertOpaqueUserId('+33612345678')).toThrow(InvalidUserIdError);
    expect(() => assertOpaqueUserId('')).toThrow(InvalidUserIdError);
  });
});

describe('the state view and the decision log buffer', () => {
  it('shows every decision not yet written to the decision log, so the API can merge them', () => {
    const state = initialState('u1', NOW);
    decide(
      state,
      { candidateId: 'written', category: 'social', outcome: { kind: 'suppressed', reason: 'expired', at: NOW } },
      NOW,
    );
    state.unrecorded.splice(0);
    for (let i = 0; i < MAX_UNRECORDED_DECISIONS; i += 1) {
      decide(
        state,
        {
          candidateId: `c${i}`,
          category: 'social',
          outcome: { kind: 'suppressed', reason: 'duplicate', at: addMs(NOW, durationMs(i)) },
        },
        addMs(NOW, durationMs(i)),
      );
    }
    const view = stateView(
      state,
      0,
      { next: null, why: 'idle' },
      addMs(NOW, durationMs(MAX_UNRECORDED_DECISIONS)),
      DEFAULT_POLICY,
    );
    const shown = new Set(view.recentDecisions.map((d) => d.candidateId));
    expect(state.unrecorded.every((d) => shown.has(d.candidateId))).toBe(true);
  });

  it('shows every unwritten decision even when one pass left more than RECENT_DECISIONS_CAP of them', () => {
    const state = initialState('u1', NOW);
    const suppressed = (id: string, at: EpochMs) =>
      decide(
        state,
        { candidateId: id, category: 'social', outcome: { kind: 'suppressed', reason: 'expired', at } },
        at,
      );
    suppressed('written', NOW);
    markRecorded(state, 1);
    // A full queue evicting at once (up to MAX_DECISIONS_PER_CALL per write) leaves far more than the cap unwritten.
    const burst = RECENT_DECISIONS_CAP + 150;
    for (let i = 0; i < burst; i += 1) suppressed(`c${i}`, addMs(NOW, durationMs(1 + i)));
    expect(state.recentDecisions).toHaveLength(RECENT_DECISIONS_CAP);

    const ids = (s: { recentDecisions: Decision[] }) => s.recentDecisions.map((d) => d.candidateId);
    const all = Array.from({ length: burst }, (_, i) => `c${i}`);
    const view = () => stateView(state, 0, { next: null, why: 'idle' }, addMs(NOW, durationMs(burst)), DEFAULT_POLICY);
    expect(ids(view())).toEqual(all);

    // Once part of the buffer is written, the view is the window plus what is still unwritten, newest last.
    markRecorded(state, 100);
    expect(ids(view())).toEqual(all.slice(100));
    markRecorded(state, state.unrecorded.length);
    expect(ids(view())).toEqual(all.slice(-RECENT_DECISIONS_CAP));
  });
});
