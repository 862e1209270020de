// Signed one-click unsubscribe tokens (RFC 8058) for promotional email.
// The API serves `POST {publicBaseUrl}/v1/unsubscribe/{token}` and verifies with `verifyUnsubscribeToken`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_POLICY, type PolicyConfig } from '../domain/config';
import type { Category, EpochMs } from '../domain/types';
import { epochMs } from '../domain/units';

export interface UnsubscribeClaims {
  userId: string;
  /** The category the user unsubscribes from. */
  category: Category;
  issuedAt: EpochMs;
}

export type UnsubscribeVerification =
  | { kind: 'ok'; claims: UnsubscribeClaims }
  | {
      kind: 'invalid';
      reason: 'malformed' | 'bad_signature' | 'expired' | 'issued_in_future' | 'category_not_unsubscribable';
    };

/**
 * How long a link works after its mail was sent: 60 days, twice the 30 days CAN-SPAM requires an opt-out link to
 * keep working, so people can unsubscribe from recent mail; an older link (a replayed or leaked one) gets 410.
 */
export const UNSUBSCRIBE_TOKEN_LIFETIME_MS = 60 * 24 * 3600 * 1000;
/** A token "issued" further ahead than this clock skew was not issued by a sane sender: refused. */
export const UNSUBSCRIBE_TOKEN_MAX_SKEW_MS = 5 * 60 * 1000;

/**
 * Categories a mail link may unsubscribe from: not critical or transactional ones (a security alert or a receipt
 * cannot be switched off by a link, even a validly signed one).
 */
export function unsubscribableByLink(category: Category, policy: PolicyConfig = DEFAULT_POLICY): boolean {
  const priorityClass = policy.categories[category]?.priorityClass;
  return priorityClass === 'normal' || priorityClass === 'promotional';
}
const MIN_SECRET_BYTES = 32;

function assertSecret(secret: string): void {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new Error(`unsubscribe secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
}

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`tact-unsubscribe.v1.${payload}`, 'utf8').digest();
}

export function signUnsubscribeToken(claims: UnsubscribeClaims, secret: string): string {
  assertSecret(secret);
  const payload = Buffer.from(JSON.stringify([claims.userId, claims.category, claims.issuedAt]), 'utf8').toString(
    'base64url',
  );
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

export function verifyUnsubscribeToken(
  token: string,
  secret: string,
  now: EpochMs,
  unsubscribable: (category: Category) => boolean = (category) => unsubscribableByLink(category),
): UnsubscribeVerification {
  assertSecret(secret);
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { kind: 'invalid', reason: 'malformed' };
  const [payload, signature] = parts as [string, string];
  const expected = mac(payload, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { kind: 'invalid', reason: 'bad_signature' };
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { kind: 'invalid', reason: 'malformed' };
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 3 ||
    typeof decoded[0] !== 'string' ||
    typeof decoded[1] !== 'string' ||
    !/^[a-z][a-z0-9_]{0,63}$/.test(decoded[1]) ||
    typeof decoded[2] !== 'number' ||
    !Number.isFinite(decoded[2])
  ) {
    return { kind: 'invalid', reason: 'malformed' };
  }
  const claims: UnsubscribeClaims = { userId: decoded[0], category: decoded[1], issuedAt: epochMs(decoded[2]) };
  if (claims.issuedAt - now > UNSUBSCRIBE_TOKEN_MAX_SKEW_MS) return { kind: 'invalid', reason: 'issued_in_future' };
  if (now - claims.issuedAt > UNSUBSCRIBE_TOKEN_LIFETIME_MS) return { kind: 'invalid', reason: 'expired' };
  if (!unsubscribable(claims.category)) return { kind: 'invalid', reason: 'category_not_unsubscribable' };
  return { kind: 'ok', claims };
}

export function unsubscribeUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/v1/unsubscribe/${token}`;
}
