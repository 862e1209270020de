import { describe, expect, it } from 'vitest';
import {
  signUnsubscribeToken,
  unsubscribeUrl,
  UNSUBSCRIBE_TOKEN_LIFETIME_MS,
  UNSUBSCRIBE_TOKEN_MAX_SKEW_MS,
  verifyUnsubscribeToken,
} from '../../tokens/unsubscribe';
import { epochMs, addMs, days, durationMs } from '../../domain/units';

const SECRET = 'a-long-enough-secret-for-hmac-sha256!!';
const NOW = epochMs(1_750_000_000_000);
const claims = { userId: 'user-42', category: 'marketing' as const, issuedAt: NOW };

describe('unsubscribe tokens', () => {
  it('round-trips the claims and is URL-safe', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyUnsubscribeToken(token, SECRET, NOW)).toEqual({ kind: 'ok', claims });
    expect(unsubscribeUrl('https://t.example//', token)).toBe(`https://t.example/v1/unsubscribe/${token}`);
  });

  it('rejects a token signed with another secret or with a tampered payload', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    expect(verifyUnsubscribeToken(token, `${SECRET}x`, NOW)).toEqual({ kind: 'invalid', reason: 'bad_signature' });
    const forged = signUnsubscribeToken({ ...claims, userId: 'someone-else' }, SECRET).split('.')[0];
    expect(verifyUnsubscribeToken(`${forged}.${token.split('.')[1]}`, SECRET, NOW)).toEqual({
      kind: 'invalid',
      reason: 'bad_signature',
    });
  });

  it('rejects garbage and expired tokens', () => {
    expect(verifyUnsubscribeToken('nope', SECRET, NOW)).toEqual({ kind: 'invalid', reason: 'malformed' });
    expect(verifyUnsubscribeToken('a.b.c', SECRET, NOW)).toEqual({ kind: 'invalid', reason: 'malformed' });
    const token = signUnsubscribeToken(claims, SECRET);
    expect(verifyUnsubscribeToken(token, SECRET, addMs(NOW, durationMs(UNSUBSCRIBE_TOKEN_LIFETIME_MS + 1)))).toEqual({
      kind: 'invalid',
      reason: 'expired',
    });
  });

  it('works for the mail it was sent with throughout the documented period, and not a moment later', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    expect(UNSUBSCRIBE_TOKEN_LIFETIME_MS).toBe(60 * 24 * 3600 * 1000);
    expect(verifyUnsubscribeToken(token, SECRET, addMs(NOW, days(30))).kind).toBe('ok');
    expect(verifyUnsubscribeToken(token, SECRET, addMs(NOW, durationMs(UNSUBSCRIBE_TOKEN_LIFETIME_MS))).kind).toBe(
      'ok',
    );
    expect(
      verifyUnsubscribeToken(token, SECRET, addMs(NOW, durationMs(UNSUBSCRIBE_TOKEN_LIFETIME_MS + 1))),
    ).toMatchObject({
      reason: 'expired',
    });
  });

  it('rejects a token issued in the future beyond a small clock skew', () => {
    const skewed = signUnsubscribeToken(
      { ...claims, issuedAt: addMs(NOW, durationMs(UNSUBSCRIBE_TOKEN_MAX_SKEW_MS)) },
      SECRET,
    );
    expect(verifyUnsubscribeToken(skewed, SECRET, NOW).kind).toBe('ok');
    for (const ahead of [UNSUBSCRIBE_TOKEN_MAX_SKEW_MS + 1, 100 * 365 * 24 * 3600 * 1000]) {
      const future = signUnsubscribeToken({ ...claims, issuedAt: addMs(NOW, durationMs(ahead)) }, SECRET);
      expect(verifyUnsubscribeToken(future, SECRET, NOW)).toEqual({ kind: 'invalid', reason: 'issued_in_future' });
    }
  });

  it('rejects critical and transactional categories even when validly signed', () => {
    for (const category of ['security', 'account'] as const) {
      const token = signUnsubscribeToken({ ...claims, category }, SECRET);
      expect(verifyUnsubscribeToken(token, SECRET, NOW)).toEqual({
        kind: 'invalid',
        reason: 'category_not_unsubscribable',
      });
    }
    for (const category of ['social', 'content', 'reminder', 'marketing'] as const) {
      expect(verifyUnsubscribeToken(signUnsubscribeToken({ ...claims, category }, SECRET), SECRET, NOW).kind).toBe(
        'ok',
      );
    }
  });

  it('refuses short secrets', () => {
    expect(() => signUnsubscribeToken(claims, 'short')).toThrow(/at least 32 bytes/);
  });
});
