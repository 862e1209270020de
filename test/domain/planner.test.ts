import { categoryPolicy } from '../../domain/config';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, withOverrides } from '../../domain/config';
import {
  admit,
  budgetLeftToday,
  cooldownUntil,
  dropOptedOut,
  MAX_ADMISSION_MEMORY,
  plan,
  pruneSends,
  rememberAdmission,
} from '../../domain/planner';
import type { PlannerState } from '../../domain/planner';
import type { Candidate, Category, Preferences, Score, SendRecord, EpochMs } from '../../domain/types';
import { NO_PREFS, candidate } from './simulator';
import { probability, hours, minutes, addMs, days, subMs, durationMs } from '../../domain/units';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const MIN = minutes(1);
const HOUR = hours(1);
const PARIS = 'Europe/Paris';
/** An instant at a Paris wall time in June 2024 (UTC+2); 3 June 2024 is a Monday. */
const paris = (day: number, h: number, m = 0) => utc(2024, 5, day, h - 2, m);
const iso = (at: number) => new Date(at).toISOString();

function state(p: Partial<PlannerState> = {}): PlannerState {
  return {
    profile: { timeZone: PARIS, locale: 'fr-FR' },
    preferences: NO_PREFS,
    pending: [],
    sends: [],
    userSince: subMs(paris(1, 12), days(10)),
    lastEngagementAt: paris(1, 12),
    ...p,
  };
}

function sent(category: Category, at: EpochMs, opened = true): SendRecord {
  return {
    candidateId: `s-${category}-${at}`,
    category,
    channel: nth(categoryPolicy(DEFAULT_POLICY, category).channels, 0),
    at,
    ...(opened ? { openedAt: addMs(at, MIN) } : {}),
  };
}

function scored(c: Candidate, expectedValue = 0.3, bestSendAt = c.createdAt): Record<string, Score> {
  return { [c.id]: { candidateId: c.id, expectedValue: probability(expectedValue), bestSendAt } };
}

const prefs = (p: Partial<Preferences>): Preferences => ({ ...NO_PREFS, ...p });

describe('quiet hours in the plan', () => {
  it('makes a 23:30 local candidate wait until 07:00 local, then sends it', () => {
    const c = candidate('social', paris(3, 23, 30));
    const s = state({ pending: [c] });
    const first = plan(s, scored(c), paris(3, 23, 30));
    expect(first.drops).toEqual([]);
    expect(first.action).toMatchObject({ kind: 'wait', until: paris(4, 7), candidateId: c.id });
    expect(first.action.why).toContain('quiet hours end at 07:00 Europe/Paris');
    expect(plan(s, scored(c), paris(4, 7)).action).toMatchObject({ kind: 'send', candidate: c, channels: ['push'] });
  });

  it('sends a 03:00 security alert at once, on SMS first, despite caps and cooldown', () => {
    const c = candidate('security', paris(4, 3));
    const busy = [sent('social', paris(3, 9)), sent('social', paris(3, 14)), sent('content', paris(4, 2, 30))];
    const result = plan(state({ pending: [c], sends: busy }), scored(c, 0), paris(4, 3));
    expect(result.action).toMatchObject({ kind: 'send', candidate: c, channels: ['sms', 'push', 'email'] });
  });

  it('routes critical alerts around channel opt-outs and ignores the global opt-out', () => {
    const c = candidate('security', paris(4, 3));
    const p = prefs({ globalOptOut: true, optedOutChannels: ['sms'] });
    expect(plan(state({ pending: [c], preferences: p }), scored(c), paris(4, 3)).action).toMatchObject({
      kind: 'send',
      channels: ['push', 'email'],
    });
  });

  it('lets a night opt-in user get a normal notification at 03:00', () => {
    const c = candidate('social', paris(4, 3));
    const result = plan(state({ pending: [c], preferences: prefs({ nightDelivery: true }) }), scored(c), paris(4, 3));
    expect(result.action.kind).toBe('send');
  });

  it('keeps a candidate whose TTL ends inside quiet hours pending, then drops it `expired` at its expiry', () => {
    const c = candidate('social', paris(3, 22, 30), { ttlMs: 2 * HOUR });
    const s = state({ pending: [c] });
    expect(plan(s, scored(c), paris(3, 22, 30))).toMatchObject({
      drops: [],
      action: { kind: 'wait', until: c.expiresAt, candidateId: c.id },
    });
    expect(plan(s, scored(c), addMs(c.expiresAt, minutes(5))).drops).toEqual([
      {
        candidateId: c.id,
        category: 'social',
        outcome: { kind: 'suppressed', reason: 'expired', at: c.expiresAt, detail: expect.any(String) },
      },
    ]);
  });
});

describe('daily cap on the local calendar day', () => {
  const three = [sent('social', paris(3, 8)), sent('content', paris(3, 12, 30)), sent('reminder', paris(3, 17))];

  it('waits for the next local day (and its quiet hours) once 3 were sent today', () => {
    const c = candidate('content', paris(3, 21, 30)); // 48 h TTL
    const result = plan(state({ pending: [c], sends: three }), scored(c), paris(3, 21, 30));
    expect(result.action).toMatchObject({ kind: 'wait', until: paris(4, 7) });
  });

  it('plans a capped-out evening candidate for the next best time after the cap resets, not for 07:00', () => {
    // 20:30 local, three sent today: the score's best time (now, the evening peak) has passed by the time the cap
    // resets and quiet hours end (07:00); the best time of the next day, under the population's pattern, is its evening.
    const c = candidate('content', paris(3, 20, 30)); // 48 h TTL
    const engagement = new Array<number>(168).fill(0);
    const result = plan(state({ pending: [c], sends: three, engagement }), scored(c), paris(3, 20, 30));
    expect(result.action).toMatchObject({ kind: 'wait', until: paris(4, 20), candidateId: c.id });
    expect(result.action.why).toContain('best send time 20:00');
    // Re-planned there with a fresh score, it goes.
    expect(
      plan(state({ pending: [c], sends: three, engagement }), scored(c, 0.3, paris(4, 20)), paris(4, 20)).action,
    ).toMatchObject({ kind: 'send', candidate: c });
    // A user who engages in the morning gets the morning instead.
    const mornings = engagement.map((_, h) => (h % 24 === 8 ? 5 : 0));
    expect(
      plan(state({ pending: [c], sends: three, engagement: mornings }), scored(c), paris(3, 20, 30)).action,
    ).toMatchObject({ kind: 'wait', until: paris(4, 8) });
    // A candidate that expires before the next evening gets the best time it can still make: the morning, and at
    // its start (07:00), since 08:00 is not meaningfully better (MIN_LIFT_GAIN_TO_WAIT).
    const short = candidate('content', paris(3, 20, 30), { ttlMs: 13 * HOUR });
    expect(
      plan(state({ pending: [short], sends: three, engagement }), scored(short), paris(3, 20, 30)).action,
    ).toMatchObject({ kind: 'wait', until: paris(4, 7) });
  });

  it('drops `daily_cap` at once when the next allowed day starts after the candidate expires', () => {
    const c = candidate('social', paris(3, 21, 30), { ttlMs: 2 * HOUR });
    const result = plan(state({ pending: [c], sends: three }), scored(c), paris(3, 21, 30));
    expect(result.drops).toMatchObject([{ candidateId: c.id, outcome: { reason: 'daily_cap', at: paris(3, 21, 30) } }]);
    expect(result.action.kind).toBe('idle');
  });

  it('does not count critical or transactional sends, and lets transactional bypass the cap', () => {
    const sends = [...three, sent('security', paris(3, 18)), sent('account', paris(3, 17, 30))];
    const s = state({ sends });
    expect(budgetLeftToday(s, paris(3, 21, 30))).toBe(0);
    expect(budgetLeftToday(state({ sends: sends.slice(3) }), paris(3, 21, 30))).toBe(3);
    const tx = candidate('account', paris(3, 21, 45));
    expect(plan({ ...s, pending: [tx] }, scored(tx), paris(3, 21, 45)).action).toMatchObject({ kind: 'send' });
  });

  it('counts a 25 h DST day as one day and resets at local midnight (Paris, 27 Oct 2024)', () => {
    const tz = PARIS;
    const day = [utc(2024, 9, 26, 22, 30), utc(2024, 9, 27, 7), utc(2024, 9, 27, 12)]; // 00:30, 08:00, 13:00
    const sends = day.map((at, i) => ({ ...sent('social', at), candidateId: `d${i}` }));
    const s = state({ profile: { timeZone: tz, locale: 'fr' }, sends, lastEngagementAt: utc(2024, 9, 26) });
    expect(budgetLeftToday(s, utc(2024, 9, 27, 22, 59))).toBe(0); // 23:59 CET
    expect(budgetLeftToday(s, utc(2024, 9, 27, 23, 0))).toBe(3); // 00:00 on the 28th
    const c = candidate('content', utc(2024, 9, 27, 17));
    expect(plan({ ...s, pending: [c] }, scored(c), utc(2024, 9, 27, 17)).action).toMatchObject({
      kind: 'wait',
      until: utc(2024, 9, 28, 6), // 07:00 CET on the 28th
    });
  });

  it('counts a 23 h DST day as one day (New York, 10 Mar 2024)', () => {
    const tz = 'America/New_York';
    const sends = [utc(2024, 2, 10, 5, 30), utc(2024, 2, 10, 12), utc(2024, 2, 10, 20)].map((at, i) => ({
      ...sent('social', at),
      candidateId: `n${i}`,
    })); // 00:30 EST, 08:00 EDT, 16:00 EDT
    const s = state({ profile: { timeZone: tz, locale: 'en-US' }, sends, lastEngagementAt: utc(2024, 2, 9) });
    expect(budgetLeftToday(s, utc(2024, 2, 11, 3, 59))).toBe(0); // 23:59 EDT
    expect(budgetLeftToday(s, utc(2024, 2, 11, 4, 0))).toBe(3); // 00:00 EDT on the 11th
  });
});

describe('cooldown', () => {
  it('keeps 4 h between two non-critical notifications (transactional included)', () => {
    const s = state({ sends: [sent('social', paris(3, 10))] });
    expect(cooldownUntil(s, paris(3, 11))).toBe(paris(3, 14));
    expect(cooldownUntil(s, paris(3, 14))).toBeNull();
    const tx = candidate('account', paris(3, 11));
    const result = plan({ ...s, pending: [tx] }, scored(tx), paris(3, 11));
    expect(result.action).toMatchObject({ kind: 'wait', until: paris(3, 14) });
    expect(result.action.why).toContain('cooldown until 14:00 Europe/Paris');
  });

  it('is neither started nor obeyed by critical notifications', () => {
    const s = state({ sends: [sent('security', paris(3, 10))] });
    expect(cooldownUntil(s, paris(3, 11))).toBeNull();
    const c = candidate('security', paris(3, 11));
    const after = state({ sends: [sent('social', paris(3, 10, 30))], pending: [c] });
    expect(plan(after, scored(c), paris(3, 11)).action.kind).toBe('send');
  });
});

describe('category caps (rolling 7 days)', () => {
  const twoPromos = [sent('marketing', paris(1, 10)), sent('marketing', paris(4, 10))];

  it('waits until the oldest send leaves the window', () => {
    const c = candidate('marketing', paris(6, 12)); // 72 h TTL: 9 June 12:00
    const result = plan(state({ pending: [c], sends: twoPromos }), scored(c), paris(6, 12));
    expect(result.action).toMatchObject({ kind: 'wait', until: paris(8, 10) });
    expect(result.action.why).toContain('marketing cap 2/7 days');
  });

  it('drops `category_cap` when the window cannot open before expiry', () => {
    const c = candidate('marketing', paris(5, 12), { ttlMs: 12 * HOUR });
    const result = plan(state({ pending: [c], sends: twoPromos }), scored(c), paris(5, 12));
    expect(result.drops).toMatchObject([{ outcome: { reason: 'category_cap' } }]);
  });
});

describe('adaptive caps', () => {
  const tenUnopened = Array.from({ length: 10 }, (_, i) =>
    sent('content', subMs(paris(1, 8), hours((i + 1) * 9)), false),
  );

  it('gives a low responder (no open in the last 10 sends) 1 per day', () => {
    const today = sent('social', paris(3, 9), false);
    const s = state({ sends: [...tenUnopened, today] });
    expect(budgetLeftToday(s, paris(3, 15))).toBe(0);
    const c = candidate('social', paris(3, 15), { ttlMs: 6 * HOUR });
    expect(plan({ ...s, pending: [c] }, scored(c), paris(3, 15)).drops).toMatchObject([
      { outcome: { reason: 'daily_cap', detail: expect.stringContaining('low responder') } },
    ]);
  });

  it('restores the normal cap after an open among the last 10', () => {
    const sends = [...tenUnopened.slice(1), sent('social', paris(3, 9), true)];
    expect(budgetLeftToday(state({ sends }), paris(3, 15))).toBe(2);
  });

  it('sends dormant users only high-value candidates, at most 1 per week', () => {
    const dormant = { lastEngagementAt: subMs(paris(3, 12), days(31)), userSince: subMs(paris(3, 12), days(90)) };
    const low = candidate('content', paris(3, 12), { businessValue: probability(0.5) });
    const high = candidate('content', paris(3, 12), { businessValue: probability(0.9) });
    const s = state({ ...dormant, pending: [low, high] });
    const result = plan(s, { ...scored(low), ...scored(high) }, paris(3, 12));
    expect(result.drops).toMatchObject([{ candidateId: low.id, outcome: { reason: 'daily_cap' } }]);
    expect(result.action).toMatchObject({ kind: 'send', candidate: high });

    const later = candidate('content', paris(5, 12), { businessValue: probability(1) });
    const afterOne = state({ ...dormant, sends: [sent('content', paris(3, 12), false)], pending: [later] });
    expect(budgetLeftToday(afterOne, paris(5, 12))).toBe(0);
    expect(plan(afterOne, scored(later), paris(5, 12)).drops).toMatchObject([{ outcome: { reason: 'daily_cap' } }]);
  });

  it('does not treat a new user as dormant', () => {
    const s = state({ userSince: paris(3, 11), lastEngagementAt: undefined as never });
    delete (s as Partial<PlannerState>).lastEngagementAt;
    expect(budgetLeftToday(s, paris(3, 12))).toBe(3);
  });
});

describe('the auction, score floor and send time', () => {
  it('sends the highest expected value first', () => {
    const a = candidate('social', paris(3, 10));
    const b = candidate('content', paris(3, 10));
    const result = plan(state({ pending: [a, b] }), { ...scored(a, 0.2), ...scored(b, 0.4) }, paris(3, 10));
    expect(result.action).toMatchObject({ kind: 'send', candidate: b });
  });

  it('puts transactional before normal candidates', () => {
    const a = candidate('social', paris(3, 10));
    const tx = candidate('account', paris(3, 10));
    const result = plan(state({ pending: [a, tx] }), { ...scored(a, 0.9), ...scored(tx, 0.1) }, paris(3, 10));
    expect(result.action).toMatchObject({ kind: 'send', candidate: tx });
  });

  it('waits for the predicted best send time of a normal candidate, but not of an urgent one', () => {
    const c = candidate('content', paris(3, 9));
    const result = plan(state({ pending: [c] }), scored(c, 0.3, paris(3, 19)), paris(3, 9));
    expect(result.action).toMatchObject({ kind: 'wait', until: paris(3, 19), candidateId: c.id });
    expect(result.action.why).toContain('best send time 19:00');
    const tx = candidate('account', paris(3, 9));
    expect(plan(state({ pending: [tx] }), scored(tx, 0.3, paris(3, 19)), paris(3, 9)).action.kind).toBe('send');
  });

  it('ignores a best send time that would only fall after expiry or inside quiet hours', () => {
    const c = candidate('social', paris(3, 20), { ttlMs: 4 * HOUR });
    const result = plan(state({ pending: [c] }), scored(c, 0.3, paris(3, 23)), paris(3, 20));
    expect(result.action).toMatchObject({ kind: 'send', candidate: c });
  });

  it('holds a candidate below the score floor and drops it `low_score` at expiry', () => {
    const c = candidate('marketing', paris(3, 10), { ttlMs: 2 * HOUR });
    const s = state({ pending: [c] });
    const held = plan(s, scored(c, 0.001), paris(3, 10));
    expect(held.action).toMatchObject({ kind: 'wait', until: c.expiresAt });
    expect(held.action.why).toContain('held');
    expect(plan(s, scored(c, 0.001), c.expiresAt).drops).toMatchObject([
      { outcome: { reason: 'low_score', at: c.expiresAt } },
    ]);
  });

  it('never holds critical or transactional candidates for their score', () => {
    const c = candidate('account', paris(3, 10));
    expect(plan(state({ pending: [c] }), scored(c, 0), paris(3, 10)).action.kind).toBe('send');
  });

  it('respects notBefore, even for critical candidates', () => {
    const c = candidate('security', paris(3, 10), { notBefore: paris(3, 10, 5) });
    expect(plan(state({ pending: [c] }), scored(c), paris(3, 10)).action).toMatchObject({
      kind: 'wait',
      until: paris(3, 10, 5),
    });
  });

  it('does not make a normal candidate sendable now wait behind a critical one due later', () => {
    const crit = candidate('security', paris(3, 10), { notBefore: paris(3, 10, 10) });
    const now = candidate('social', paris(3, 10));
    expect(
      plan(state({ pending: [crit, now] }), { ...scored(crit), ...scored(now) }, paris(3, 10)).action,
    ).toMatchObject({
      kind: 'send',
      candidate: now,
    });
  });

  it('falls back to the business value when a candidate has no score', () => {
    const c = candidate('social', paris(3, 10));
    expect(plan(state({ pending: [c] }), {}, paris(3, 10)).action.kind).toBe('send');
  });

  it('is idle with nothing pending', () => {
    expect(plan(state(), {}, paris(3, 10)).action).toEqual({ kind: 'idle', why: 'no pending candidates' });
  });

  it('gives the same plan for the same input', () => {
    const cs = [
      candidate('social', paris(3, 9)),
      candidate('content', paris(3, 9)),
      candidate('marketing', paris(3, 9)),
    ];
    const scores = Object.assign({}, ...cs.map((c, i) => scored(c, 0.1 * (i + 1), paris(3, 18))));
    const s = state({ pending: cs, sends: [sent('social', paris(3, 8))] });
    expect(plan(s, scores, paris(3, 9))).toEqual(plan(structuredClone(s), structuredClone(scores), paris(3, 9)));
  });
});

describe('opt-outs', () => {
  it('drops pending candidates an opt-out now covers, at once', () => {
    const social = candidate('social', paris(3, 10));
    const account = candidate('account', paris(3, 10));
    const alert = candidate('security', paris(3, 10));
    const s = state({ pending: [social, account, alert], preferences: prefs({ globalOptOut: true }) });
    const { pending, drops } = dropOptedOut(s, paris(3, 11));
    expect(pending).toEqual([alert]);
    expect(drops.map((d) => [d.candidateId, d.outcome.kind === 'suppressed' && d.outcome.reason])).toEqual([
      [social.id, 'opted_out'],
      [account.id, 'opted_out'],
    ]);
  });

  it('drops a category opt-out as `opted_out` and a fully opted-out channel list as `no_channel`', () => {
    const social = candidate('social', paris(3, 10));
    const content = candidate('content', paris(3, 10));
    const s = state({
      pending: [social, content],
      preferences: prefs({ optedOutCategories: ['social'], optedOutChannels: ['push'] }),
    });
    expect(plan(s, {}, paris(3, 10)).drops.map((d) => d.outcome.kind === 'suppressed' && d.outcome.reason)).toEqual([
      'opted_out',
      'no_channel',
    ]);
  });
});

describe('admission: duplicates and TTL', () => {
  const withKeys = (s: PlannerState, dedupeKeys: Record<string, EpochMs> = {}) => ({ ...s, dedupeKeys });

  it('drops a second candidate with the same dedupeKey within the window, and admits it after', () => {
    const first = candidate('social', paris(3, 10), { dedupeKey: 'friend:42' });
    const s = withKeys(state());
    expect(admit(s, first, paris(3, 10))).toBeNull();
    const keys = rememberAdmission({}, first, null, paris(3, 10));
    const again = candidate('social', paris(3, 20), { dedupeKey: 'friend:42' });
    expect(admit(withKeys(state(), keys), again, paris(3, 20))).toMatchObject({ outcome: { reason: 'duplicate' } });
    const nextDay = candidate('social', paris(4, 10, 1), { dedupeKey: 'friend:42' });
    expect(admit(withKeys(state(), keys), nextDay, paris(4, 10, 1))).toBeNull();
  });

  it('drops a replayed candidate id as `duplicate`, pending, sent or already decided', () => {
    const c = candidate('social', paris(3, 10));
    expect(admit(withKeys(state({ pending: [c] })), c, paris(3, 10))).toMatchObject({
      outcome: { reason: 'duplicate' },
    });
    const sends = [{ ...sent('social', paris(3, 10)), candidateId: c.id }];
    expect(admit(withKeys(state({ sends })), c, paris(3, 11))).toMatchObject({ outcome: { reason: 'duplicate' } });
    const keys = rememberAdmission({}, c, null, paris(3, 10));
    expect(admit(withKeys(state(), keys), c, paris(3, 12))).toMatchObject({ outcome: { reason: 'duplicate' } });
  });

  it('does not let a stream of duplicates extend the dedupe window', () => {
    const c = candidate('social', paris(3, 10), { dedupeKey: 'k' });
    let keys = rememberAdmission({}, c, null, paris(3, 10));
    const dup = candidate('social', paris(3, 20), { dedupeKey: 'k' });
    const decision = admit(withKeys(state(), keys), dup, paris(3, 20));
    keys = rememberAdmission(keys, dup, decision, paris(3, 20));
    expect(keys.k).toBe(paris(3, 10));
  });

  it('suppresses a candidate that arrives expired, and one the user opted out of', () => {
    const old = candidate('security', paris(3, 10));
    expect(admit(withKeys(state()), old, paris(3, 10, 15))).toMatchObject({ outcome: { reason: 'expired' } });
    const promo = candidate('marketing', paris(3, 10));
    const s = withKeys(state({ preferences: prefs({ optedOutCategories: ['marketing'] }) }));
    expect(admit(s, promo, paris(3, 10))).toMatchObject({ outcome: { reason: 'opted_out' } });
  });

  it('uses each category’s TTL: a security alert expires after 15 minutes', () => {
    const c = candidate('security', paris(3, 10), { notBefore: paris(3, 10, 20) });
    expect(plan(state({ pending: [c] }), scored(c), paris(3, 10)).action).toMatchObject({
      kind: 'wait',
      until: c.expiresAt,
    });
    expect(plan(state({ pending: [c] }), scored(c), paris(3, 10, 15)).drops).toMatchObject([
      { outcome: { reason: 'expired' } },
    ]);
  });
});

describe('pruneSends', () => {
  it('keeps the last 7 days and the last 10 sends, oldest first', () => {
    const old = Array.from({ length: 15 }, (_, i) => sent('content', subMs(paris(1, 8), days(20 - i))));
    const recent = [sent('social', paris(3, 9)), sent('social', paris(2, 9))];
    const kept = pruneSends([...recent, ...old], paris(3, 12));
    expect(kept).toHaveLength(10);
    expect(kept.map((s) => s.at)).toEqual([...kept.map((s) => s.at)].sort((a, b) => a - b));
    expect(present(kept.at(-1), 'the last of kept').at).toBe(paris(3, 9));
    const config = withOverrides(DEFAULT_POLICY, { lowResponderWindow: 1 });
    expect(pruneSends([...recent, ...old], paris(3, 12), config).map((s) => iso(s.at))).toEqual([
      iso(paris(2, 9)),
      iso(paris(3, 9)),
    ]);
  });
});

describe('the per-user ceiling on critical notifications', () => {
  it('sends critical candidates until criticalSendsPerHour went in the last hour, then drops them rate_limited', () => {
    const now = paris(3, 23, 30);
    const c = candidate('security', now);
    const earlier = Array.from({ length: 10 }, (_, i) => sent('security', addMs(subMs(now, HOUR), minutes(i + 1))));
    const full = plan(state({ pending: [c], sends: earlier }), scored(c), now);
    expect(full.action).toEqual({ kind: 'idle', why: 'no pending candidates' });
    expect(full.drops).toEqual([
      {
        candidateId: c.id,
        category: 'security',
        outcome: {
          kind: 'suppressed',
          reason: 'rate_limited',
          at: now,
          detail: '10 critical notifications in the last hour',
        },
      },
    ]);
    // The oldest of the ten leaves the rolling hour: the next critical one goes, quiet hours or not.
    const later = addMs(now, MIN);
    expect(plan(state({ pending: [c], sends: earlier }), scored(c), later).action).toMatchObject({ kind: 'send' });
  });

  it('counts only critical sends, and follows the configured ceiling', () => {
    const now = paris(3, 12);
    const c = candidate('security', now);
    const others = Array.from({ length: 12 }, (_, i) => sent('account', subMs(now, minutes(i + 1))));
    expect(plan(state({ pending: [c], sends: others }), scored(c), now).action).toMatchObject({ kind: 'send' });
    const strict = withOverrides(DEFAULT_POLICY, { criticalSendsPerHour: 1 });
    const one = [sent('security', subMs(now, minutes(30)))];
    expect(nth(plan(state({ pending: [c], sends: one }), scored(c), now, strict).drops, 0).outcome).toMatchObject({
      reason: 'rate_limited',
    });
  });
});

describe('admission memory', () => {
  it('keeps at most MAX_ADMISSION_MEMORY entries, forgetting the oldest first', () => {
    let keys = {};
    const start = paris(3, 10);
    for (let i = 0; i < MAX_ADMISSION_MEMORY + 5; i++) {
      const at = addMs(start, durationMs(i));
      const c = { ...candidate('social', at), dedupeKey: `k${i}` };
      keys = rememberAdmission(keys, c, null, at);
    }
    expect(Object.keys(keys)).toHaveLength(MAX_ADMISSION_MEMORY);
    // Each admission remembers its id and its dedupeKey: the oldest 2.5 admissions' entries are gone.
    expect(Object.values(keys).every((at) => (at as number) >= start + 2)).toBe(true);
    expect(Object.keys(keys)).toContain(`k${MAX_ADMISSION_MEMORY + 4}`);
  });
});
