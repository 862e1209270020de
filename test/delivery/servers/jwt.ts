// Minimal JWS verification for the fake servers (ES256 for APNs provider tokens, RS256 for Google OAuth).
import { verify, type KeyObject } from 'node:crypto';

export interface VerifiedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

export function verifyJwt(token: string, publicKey: KeyObject, alg: 'ES256' | 'RS256'): VerifiedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, c, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (header.alg !== alg) return null;
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${c}`),
    alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey,
    Buffer.from(s, 'base64url'),
  );
  return ok ? { header, claims } : null;
}
