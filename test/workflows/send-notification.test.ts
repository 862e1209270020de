// The sendNotification activity: one call delivers and writes the decision log, and a log outage never turns a
// delivered notification into a failed or retried one.
import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { InMemoryDecisionStore, InMemoryUserSettings } from '../../activities';
import { createSendNotification, type Deliver, type ScoreCandidates } from '../../activities/send';
import { createScoreCandidates } from '../../activities/scoring';
import type { SendAuction, SendNotificationInput, SendNotificationResult } from '../../activities/types';
import type { DecisionStore, UserSettingsSource } from '../../domain/ports';
import type { Candidate, Decision, EpochMs } from '../../domain/types';
import { defaultPreferences } from '../../domain/user-defaults';
import { minuteOfDay, probability, addMs, days, hours, minutes, seconds, subMs, epochMs } from '../../domain/units';

const NOW = epochMs(Date.UTC(2025, 5, 2, 10, 0));
const FAILED_AT = addMs(NOW, seconds(5));

const candidate: Candidate = {
  id: 'c1',
  userId: 'u1',
  category: 'social',
  template: 'social.friend_joined',
  variables: {},
  createdAt: NOW,
  expiresAt: addMs(NOW, hours(1)),
  businessValue: probability(0.5),
  source: 'event',
};

const earlier: Decision = {
  candidateId: 'c0',
  category: 'content',
  outcome: { kind: 'suppressed', reason: 'duplicate', at: subMs(NOW, seconds(1)), detail: 'same dedupeKey' },
};

function input(unrecorded: Decision[]): SendNotificationInput {
  return {
    delivery: {
      userId: 'u1',
      candidate,
      channels: ['push'],
      profile: { timeZone: 'UTC', locale: 'en' },
      preferences: defaultPreferences(),
    },
    unrecorded,
  };
}

/** Runs the activity inside an activity context (it logs through Temporal's activity logger). */
function inActivity(
  send: (i: SendNotificationInput) => Promise<SendNotificationResult>,
  i: SendNotificationInput,
  attempt = 1,
): Promise<SendNotificationResult> {
  return new MockActivityEnvironment({ attempt }).run(send, i);
}

/** The activity over these dependencies; nothing stored (sends keep the workflow's snapshot) unless given. */
function createSend(
  deliver: Deliver,
  decisions: DecisionStore,
  now: () => EpochMs,
  score: ScoreCandidates,
  settings: UserSettingsSource = new InMemoryUserSettings(),
) {
  return createSendNotification({ deliver, decisions, now, score, settings });
}

/** Calls without an auction must not score. */
const noModel: ScoreCandidates = async () => {
  throw new Error('no auction, no scoring');
};

const delivered: Deliver = async () => ({
  kind: 'delivered',
  channel: 'push',
  endpoints: 2,
  at: addMs(NOW, seconds(1)),
});

describe('sendNotification', () => {
  it('records the buffered decisions and the sent outcome, dated by the delivery, with the delivery', async () => {
    const store = new InMemoryDecisionStore();
    const send = createSend(delivered, store, () => FAILED_AT, noModel);
    const result = await inActivity(send, { ...input([earlier]), scoredBy: 'model:4' });
    // The sent outcome keeps what the model learns from later, and who scored it (here, the workflow's scores).
    const sent: Decision = {
      candidateId: 'c1',
      category: 'social',
      provenance: { source: 'event', template: 'social.friend_joined' },
      outcome: { kind: 'sent', channel: 'push', at: addMs(NOW, seconds(1)) },
      sent: {
        template: 'social.friend_joined',
        businessValue: probability(0.5),
        candidateCreatedAt: NOW,
        scoredBy: 'model:4',
      },
    };
    expect(result).toEqual({
      kind: 'attempted',
      delivery: { kind: 'delivered', channel: 'push', endpoints: 2, at: NOW + 1_000 },
      decision: sent,
      recorded: true,
      scores: [],
    });
    expect(store.decisionsFor('u1')).toEqual([earlier, sent]);
  });

  it('turns a delivery failure into the suppression it means, dated by the activity clock', async () => {
    const store = new InMemoryDecisionStore();
    const noChannel: Deliver = async () => ({
      kind: 'failed',
      reason: 'no_channel',
      detail: 'push: no active endpoint',
    });
    const result = await inActivity(
      createSend(noChannel, store, () => FAILED_AT, noModel),
      input([]),
    );
    if (result.kind !== 'attempted') throw new Error('expected an attempt');
    expect(result.decision.outcome).toEqual({
      kind: 'suppressed',
      reason: 'no_channel',
      at: FAILED_AT,
      detail: 'push: no active endpoint',
    });
    expect(store.decisionsFor('u1')).toEqual([result.decision]);
  });

  it('keeps a delivered result when the decision log is down, and says nothing was recorded', async () => {
    let deliveries = 0;
    const deliver: Deliver = async (i) => {
      deliveries += 1;
      return delivered(i);
    };
    const down: DecisionStore = {
      recordDecisions: async () => {
        throw new Error('connection refused');
      },
    };
    const result = await inActivity(
      createSend(deliver, down, () => FAILED_AT, noModel),
      input([earlier]),
    );
    if (result.kind !== 'attempted') throw new Error('expected an attempt');
    expect(result.recorded).toBe(false);
    expect(result.delivery.kind).toBe('delivered');
    expect(result.decision.outcome.kind).toBe('sent');
    expect(deliveries).toBe(1);
  });

  it('lets a delivery error propagate (Temporal retries it) without touching the log', async () => {
    const store = new InMemoryDecisionStore();
    const flaky: Deliver = async () => {
      throw new Error('FCM 503');
    };
    await expect(
      inActivity(
        createSend(flaky, store, () => FAILED_AT, noModel),
        input([earlier]),
      ),
    ).rejects.toThrow('FCM 503');
    expect(store.decisionsFor('u1')).toEqual([]);
  });
});

describe('sendNotification with an auction on fresh model scores', () => {
  const rival: Candidate = { ...candidate, id: 'c2', category: 'content', template: 'content.new' };
  // 10:00 UTC is a Monday noon lull under the population pattern; short TTLs keep both candidates due now.
  const auction = (pending: Candidate[]): SendAuction => ({
    scoring: {
      userId: 'u1',
      candidates: pending,
      now: NOW,
      timeZone: 'UTC',
      hourOfWeek: new Array<number>(168).fill(0),
      recentSends: [],
      opensLast10: 0,
    },
    userSince: subMs(NOW, days(1)),
  });
  const short = (c: Candidate): Candidate => ({ ...c, expiresAt: addMs(NOW, minutes(20)) });
  const model =
    (values: Record<string, number>, bestSendAt: Record<string, EpochMs> = {}): ScoreCandidates =>
    async ({ candidates }) =>
      candidates.map((c) => ({
        candidateId: c.id,
        expectedValue: probability(values[c.id] ?? 0.1),
        bestSendAt: bestSendAt[c.id] ?? NOW,
      }));

  it('sends when the model still ranks the candidate first, and returns the model scores', async () => {
    const store = new InMemoryDecisionStore();
    const send = createSend(delivered, store, () => FAILED_AT, model({ c1: 0.4, c2: 0.2 }));
    const pending = [short(candidate), short(rival)];
    const result = await inActivity(send, { ...input([]), auction: auction(pending) });
    expect(result).toMatchObject({ kind: 'attempted', recorded: true, decision: { outcome: { kind: 'sent' } } });
    if (result.kind !== 'attempted') throw new Error('expected an attempt');
    expect(result.scores.map((s) => [s.candidateId, s.expectedValue])).toEqual([
      ['c1', 0.4],
      ['c2', 0.2],
    ]);
  });

  it('delivers nothing and records nothing when the model ranks another candidate first', async () => {
    const store = new InMemoryDecisionStore();
    let deliveries = 0;
    const deliver: Deliver = async (i) => {
      deliveries += 1;
      return delivered(i);
    };
    const send = createSend(deliver, store, () => FAILED_AT, model({ c1: 0.2, c2: 0.5 }));
    const result = await inActivity(send, { ...input([earlier]), auction: auction([short(candidate), short(rival)]) });
    expect(result).toMatchObject({ kind: 'outbid', why: expect.stringContaining('sends c2 instead') });
    if (result.kind !== 'outbid') throw new Error('expected outbid');
    expect(result.scores).toHaveLength(2);
    expect(deliveries).toBe(0);
    expect(store.decisionsFor('u1')).toEqual([]);
  });

  it('is outbid when the model moves the best send time later', async () => {
    const later = { ...candidate, expiresAt: addMs(NOW, hours(8)) };
    const send = createSend(
      delivered,
      new InMemoryDecisionStore(),
      () => FAILED_AT,
      model({ c1: 0.4 }, { c1: addMs(NOW, hours(6)) }),
    );
    const result = await inActivity(send, { ...input([]), auction: auction([later]) });
    expect(result).toMatchObject({ kind: 'outbid', why: expect.stringContaining('waits: best send time 16:00') });
  });

  it('holds a candidate the model scores below the floor', async () => {
    const send = createSend(delivered, new InMemoryDecisionStore(), () => FAILED_AT, model({ c1: 0.001 }));
    const result = await inActivity(send, { ...input([]), auction: auction([short(candidate)]) });
    expect(result).toMatchObject({ kind: 'outbid', why: expect.stringContaining('held') });
  });

  it('never declines on a retry: an earlier attempt passed the auction and may have reached some endpoints', async () => {
    const send = createSend(delivered, new InMemoryDecisionStore(), () => FAILED_AT, model({ c2: 0.9 }));
    const result = await inActivity(send, { ...input([]), auction: auction([short(candidate), short(rival)]) }, 2);
    expect(result).toMatchObject({ kind: 'attempted', decision: { outcome: { kind: 'sent' } } });
  });

  it('decides on priors when the model fails, and returns no model scores', async () => {
    const broken: ScoreCandidates = async () => {
      throw new Error('model store down');
    };
    const send = createSend(delivered, new InMemoryDecisionStore(), () => FAILED_AT, broken);
    const result = await inActivity(send, { ...input([]), auction: auction([short(candidate)]) });
    expect(result).toMatchObject({ kind: 'attempted', scores: [] });
  });

  it('judges the auction with the workflow policy overrides', async () => {
    // The prior model scores c1 at about 0.06; a deployment floor of 0.5 holds it.
    const send = createSend(delivered, new InMemoryDecisionStore(), () => FAILED_AT, createScoreCandidates());
    const pending = [short(candidate)];
    const plain = await inActivity(send, { ...input([]), auction: auction(pending) });
    expect(plain.kind).toBe('attempted');
    const strict = await inActivity(send, { ...input([]), auction: auction(pending), policy: { scoreFloor: 0.5 } });
    expect(strict).toMatchObject({ kind: 'outbid', why: expect.stringContaining('below floor 0.5') });
  });
});

describe('sendNotification re-checks the stored settings at the real send time, on every attempt', () => {
  const AT_2205 = epochMs(Date.UTC(2025, 5, 2, 22, 5));
  const SEVEN_NEXT_DAY = epochMs(Date.UTC(2025, 5, 3, 7, 0));
  const utc = { timeZone: 'UTC', locale: 'en' };
  /** The candidate, still valid at 22:05 (an expired one is dropped before quiet hours are looked at). */
  const lasting: Candidate = { ...candidate, expiresAt: addMs(SEVEN_NEXT_DAY, hours(1)) };
  const lateInput = (unrecorded: Decision[]): SendNotificationInput => ({
    ...input(unrecorded),
    delivery: { ...input(unrecorded).delivery, candidate: lasting },
  });

  function counting(): { deliver: Deliver; calls: SendNotificationInput['delivery'][] } {
    const calls: SendNotificationInput['delivery'][] = [];
    return {
      calls,
      deliver: async (i) => {
        calls.push(i);
        return delivered(i);
      },
    };
  }

  it('declines a non-critical send that reaches the provider inside quiet hours, though it was planned before', async () => {
    const { deliver, calls } = counting();
    const store = new InMemoryDecisionStore();
    const result = await inActivity(
      createSend(deliver, store, () => AT_2205, noModel),
      lateInput([earlier]),
      3,
    );
    expect(result).toMatchObject({
      kind: 'declined',
      check: { kind: 'defer', until: SEVEN_NEXT_DAY, why: 'quiet hours until 07:00 UTC' },
    });
    expect(calls).toEqual([]);
    expect(store.decisionsFor('u1')).toEqual([]);
  });

  it('sends a critical notification inside quiet hours', async () => {
    const { deliver, calls } = counting();
    const security: Candidate = { ...lasting, category: 'security', template: 'password_reset' };
    const send = createSend(deliver, new InMemoryDecisionStore(), () => AT_2205, noModel);
    const result = await inActivity(send, { ...input([]), delivery: { ...input([]).delivery, candidate: security } });
    expect(result.kind).toBe('attempted');
    expect(calls).toHaveLength(1);
  });

  it('honours quiet hours the user stored after the plan (their window, their time zone)', async () => {
    const settings = new InMemoryUserSettings();
    // 10:00 UTC is 19:00 in Tokyo; the stored window starts at 18:00 there.
    settings.store(
      'u1',
      { timeZone: 'Asia/Tokyo', locale: 'ja' },
      { ...defaultPreferences(), quietHours: { start: minuteOfDay(18 * 60), end: minuteOfDay(8 * 60) } },
    );
    const { deliver, calls } = counting();
    const send = createSend(deliver, new InMemoryDecisionStore(), () => NOW, noModel, settings);
    const result = await inActivity(send, input([]));
    expect(result).toMatchObject({
      kind: 'declined',
      check: { kind: 'defer', until: Date.UTC(2025, 5, 2, 23, 0) },
      settings: { profile: { timeZone: 'Asia/Tokyo' } },
    });
    expect(calls).toEqual([]);
  });

  it('drops a send the user opted out of since the plan, on a retry too', async () => {
    const settings = new InMemoryUserSettings();
    settings.store('u1', utc, { ...defaultPreferences(), globalOptOut: true });
    const { deliver, calls } = counting();
    const store = new InMemoryDecisionStore();
    const result = await inActivity(
      createSend(deliver, store, () => NOW, noModel, settings),
      input([]),
      4,
    );
    expect(result).toEqual({
      kind: 'declined',
      check: { kind: 'drop', reason: 'opted_out', detail: 'user opted out of all non-critical notifications' },
      settings: { profile: utc, preferences: { ...defaultPreferences(), globalOptOut: true } },
    });
    expect(calls).toEqual([]);
    expect(store.decisionsFor('u1')).toEqual([]);
  });

  it('delivers on the planned channels the user still allows, under the stored preferences', async () => {
    const settings = new InMemoryUserSettings();
    const stored = { ...defaultPreferences(), optedOutChannels: ['email' as const], privacyMode: true };
    settings.store('u1', utc, stored);
    const { deliver, calls } = counting();
    const marketing: Candidate = { ...candidate, category: 'marketing', template: 'marketing.promo' };
    const planned = { ...input([]).delivery, candidate: marketing, channels: ['email' as const, 'push' as const] };
    const send = createSend(deliver, new InMemoryDecisionStore(), () => NOW, noModel, settings);
    const result = await inActivity(send, { ...input([]), delivery: planned });
    expect(result.kind).toBe('attempted');
    expect(calls).toEqual([{ ...planned, channels: ['push'], preferences: stored }]);
  });

  it('ends a send whose every planned channel was opted out since as no_channel', async () => {
    const settings = new InMemoryUserSettings();
    settings.store('u1', utc, { ...defaultPreferences(), optedOutChannels: ['push'] });
    const { deliver, calls } = counting();
    const send = createSend(deliver, new InMemoryDecisionStore(), () => NOW, noModel, settings);
    const result = await inActivity(send, input([]));
    expect(result).toMatchObject({ kind: 'declined', check: { kind: 'drop', reason: 'no_channel' } });
    expect(calls).toEqual([]);
  });

  it('fails the attempt (Temporal retries it) when the settings cannot be read, rather than send on a snapshot', async () => {
    const down: UserSettingsSource = {
      load: async () => {
        throw new Error('settings store unavailable');
      },
    };
    const { deliver, calls } = counting();
    const send = createSend(deliver, new InMemoryDecisionStore(), () => NOW, noModel, down);
    await expect(inActivity(send, input([]))).rejects.toThrow('settings store unavailable');
    expect(calls).toEqual([]);
  });

  it('heartbeats before delivering, so a stuck attempt is detected by its heartbeat timeout', async () => {
    const beats: unknown[] = [];
    const env = new MockActivityEnvironment({ attempt: 1 });
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const deliver: Deliver = async (i) => {
      beats.push('deliver');
      return delivered(i);
    };
    await env.run(
      createSend(deliver, new InMemoryDecisionStore(), () => NOW, noModel),
      input([]),
    );
    expect(beats.indexOf('deliver')).toBeGreaterThan(0);
  });
});
