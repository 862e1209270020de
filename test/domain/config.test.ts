import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, policyProblems, withOverrides } from '../../domain/config';

describe('policy config', () => {
  it('has the docs/product.md defaults', () => {
    expect(DEFAULT_POLICY).toMatchObject({
      dailyCap: 3,
      lowResponderDailyCap: 1,
      lowResponderWindow: 10,
      dormantAfterMs: 30 * 86_400_000,
      dormantMinBusinessValue: 0.8,
      dormantWeeklyCap: 1,
      cooldownMs: 4 * 3_600_000,
      defaultQuietHours: { start: 22 * 60, end: 7 * 60 },
    });
    expect(DEFAULT_POLICY.categories.security).toMatchObject({
      priorityClass: 'critical',
      channels: ['sms', 'push', 'email'],
      weeklyCap: null,
      ttlMs: 15 * 60_000,
    });
    expect(DEFAULT_POLICY.categories.marketing).toMatchObject({
      priorityClass: 'promotional',
      channels: ['email', 'push'],
      weeklyCap: 2,
    });
    expect(policyProblems(DEFAULT_POLICY)).toEqual([]);
  });

  it('deep-merges overrides without touching the base, arrays replacing', () => {
    const config = withOverrides(DEFAULT_POLICY, {
      dailyCap: 5,
      categories: { social: { channels: ['email', 'push'] } },
    });
    expect(config.dailyCap).toBe(5);
    expect(config.categories.social).toMatchObject({ channels: ['email', 'push'], weeklyCap: 7 });
    expect(DEFAULT_POLICY.categories.social.channels).toEqual(['push']);
    expect(DEFAULT_POLICY.dailyCap).toBe(3);
  });

  it('rejects invalid values with a clear message', () => {
    expect(() => withOverrides(DEFAULT_POLICY, { dailyCap: -1 })).toThrow(/dailyCap must be a non-negative integer/);
    expect(() => withOverrides(DEFAULT_POLICY, { defaultQuietHours: { start: 1440 } })).toThrow(/defaultQuietHours/);
    expect(() => withOverrides(DEFAULT_POLICY, { categories: { social: { channels: ['pigeon' as never] } } })).toThrow(
      /categories.social.channels/,
    );
    expect(() => withOverrides(DEFAULT_POLICY, { scoreFloor: 2 })).toThrow(/scoreFloor must be in 0..1/);
  });
});
