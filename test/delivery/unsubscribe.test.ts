import { describe, expect, it } from 'vitest';
import {
  signUnsubscribeToken,
  unsubscribeUrl,
  UNSUBSCRIBE_TOKEN_LIFETIME_MS,
  verifyUnsubscribeToken,
} from '../../tokens/unsubscribe';

const SECRET = 'a-long-enough-secret-for-hmac-sha256!!';
const NOW = 1_750_000_000_000;
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
    expect(verifyUnsubscribeToken(token, SECRET, NOW + UNSUBSCRIBE_TOKEN_LIFETIME_MS + 1)).toEqual({
      kind: 'invalid',
      reason: 'expired',
    });
  });

  it('refuses short secrets', () => {
    expect(() => signUnsubscribeToken(claims, 'short')).toThrow(/at least 32 bytes/);
  });
});
