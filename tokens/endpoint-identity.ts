// Stable, non-secret identities for endpoints: ledger keys, log fingerprints and redacted labels.
// Push tokens, addresses and phone numbers are secrets or PII; only these derived forms leave this module.
import { createHash } from 'node:crypto';
import type { Endpoint } from '../domain/ports';
import { nth } from '../domain/present';

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Ledger key, e.g. `push:ios:<sha256 of token>`; never the raw token. */
export function endpointKey(endpoint: Endpoint): string {
  switch (endpoint.channel) {
    case 'push':
      return `push:${endpoint.platform}:${sha256Hex(endpoint.token)}`;
    case 'email':
      return `email:${sha256Hex(endpoint.address.trim().toLowerCase())}`;
    case 'sms':
      return `sms:${sha256Hex(endpoint.phone)}`;
  }
}

/** Short hash for logs: enough to correlate lines, useless to an attacker. */
export function fingerprint(secret: string): string {
  return sha256Hex(secret).slice(0, 12);
}

/** A redacted label for humans (outbox, logs). */
export function redactedDestination(endpoint: Endpoint): string {
  switch (endpoint.channel) {
    case 'push':
      return `${endpoint.platform}:${fingerprint(endpoint.token)}`;
    case 'email': {
      const at = endpoint.address.lastIndexOf('@');
      if (at <= 0) return '***';
      return `${endpoint.address[0]}***${endpoint.address.slice(at)}`;
    }
    case 'sms': {
      const phone = endpoint.phone;
      if (phone.length <= 5) return '***';
      return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 5)}${phone.slice(-2)}`;
    }
  }
}

/**
 * Deterministic UUID (RFC 9562 version 8, name-based on SHA-256) of its parts, e.g. (user id, notification id,
 * endpoint key): sent as `apns-id` and in the email Message-ID, so a re-send after a crash carries the same id as the
 * first attempt. The user is part of it because candidate ids are unique per user only.
 */
export function deterministicUuid(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000'), 'utf8').digest().subarray(0, 16);
  bytes[6] = (nth(bytes, 6) & 0x0f) | 0x80;
  bytes[8] = (nth(bytes, 8) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
