import { describe, expect, it } from 'vitest';
import { heuristicScore } from '../../domain/scoring';
import type { ScoringContext } from '../../domain/scoring';
import { localParts } from '../../domain/time';
import type { SendRecord, EpochMs } from '../../domain/types';
import { candidate } from './simulator';
import { probability, hours, subMs } from '../../domain/units';
import { utc } from '../support/instants';

const PARIS = 'Europe/Paris';
const paris = (day: number, h: number, m = 0) => utc(2024, 5, day, h - 2, m);
const ctx = (p: Partial<ScoringContext> = {}): ScoringContext => ({
  now: paris(4, 9),
  timeZone: PARIS,
  hourOfWeek: [],
  recentSends: [],
  opensLast10: 0,
  ...p,
});
const sends = (n: number, category: SendRecord['category'], at: EpochMs): SendRecord[] =>
  Array.from({ length: n }, (_, i) => ({ candidateId: `s${i}`, category, channel: 'push', at: subMs(at, hours(i)) }));

describe('heuristicScore', () => {
  it('is in 0..1, proportional to business value, and names the candidate', () => {
    const low = heuristicScore(candidate('content', paris(4, 9), { businessValue: probability(0.2) }), ctx());
    const high = heuristicScore(candidate('content', paris(4, 9), { businessValue: probability(0.8) }), ctx());
    expect(high.expectedValue).toBeCloseTo(4 * low.expectedValue, 10);
    expect(high.expectedValue).toBeGreaterThan(0);
    expect(high.expectedValue).toBeLessThanOrEqual(1);
  });

  it('predicts a later best time for normal candidates and now for urgent ones', () => {
    const normal = heuristicScore(candidate('content', paris(4, 9)), ctx());
    expect(localParts(normal.bestSendAt, PARIS).hour).toBe(20);
    const urgent = heuristicScore(candidate('account', paris(4, 9)), ctx());
    expect(urgent.bestSendAt).toBe(paris(4, 9));
  });

  it('rewards users who open and penalizes recent similar sends and fatigue', () => {
    const c = candidate('social', paris(4, 9));
    const history = sends(10, 'content', paris(3, 9));
    const opener = heuristicScore(c, ctx({ recentSends: history, opensLast10: 8 })).expectedValue;
    const ignorer = heuristicScore(c, ctx({ recentSends: history, opensLast10: 0 })).expectedValue;
    expect(opener).toBeGreaterThan(2 * ignorer);
    const fresh = heuristicScore(c, ctx()).expectedValue;
    const justSentSocial = heuristicScore(c, ctx({ recentSends: sends(1, 'social', paris(4, 8)) })).expectedValue;
    const tired = heuristicScore(c, ctx({ recentSends: sends(4, 'content', paris(4, 8)) })).expectedValue;
    expect(justSentSocial).toBeLessThan(fresh);
    expect(tired).toBeLessThan(fresh);
  });

  it('never keeps a candidate past its expiry when predicting the best time', () => {
    const c = candidate('social', paris(4, 9), { ttlMs: 2 * 3_600_000 });
    expect(heuristicScore(c, ctx()).bestSendAt).toBeLessThan(c.expiresAt);
  });
});
