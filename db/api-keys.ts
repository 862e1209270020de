// API keys. A key is `tact_<id>_<secret>`: the id finds the row, the 256-bit secret is stored only
// as its SHA-256 and compared in constant time. The plaintext exists once, when the key is created.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { EpochMs } from '../domain/types';
import { optionalEpochMs, toDate, toEpochMs, withTransaction, type Queryable } from './sql';

export const API_KEY_SCOPES = ['events:write', 'users:write', 'users:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyInfo {
  id: string;
  name?: string | undefined;
  scopes: ApiKeyScope[];
  createdAt: EpochMs;
  lastUsedAt?: EpochMs | undefined;
  revokedAt?: EpochMs | undefined;
}

export interface CreatedApiKey {
  id: string;
  /** The full key. Show it once; it cannot be recovered. */
  key: string;
  scopes: ApiKeyScope[];
}

export interface VerifiedApiKey {
  id: string;
  name?: string | undefined;
  scopes: ApiKeyScope[];
}

/** No scope, or a scope that does not exist; the message lists the accepted ones. */
export class InvalidScopesError extends Error {
  constructor(readonly unknown: string[]) {
    const accepted = `accepted: ${API_KEY_SCOPES.join(', ')}`;
    super(
      unknown.length === 0
        ? `give at least one scope; ${accepted}`
        : `unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; ${accepted}`,
    );
    this.name = 'InvalidScopesError';
  }
}

const KEY_PATTERN = /^tact_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
// last_used_at is a hint for ops, not an audit log: writing it on every request would cost a
// write per API call, so it is refreshed at most once a minute per key.
const LAST_USED_RESOLUTION_MS = 60_000;
const INITIAL_ADMIN_LOCK = 0x74616b; // "tak"
const UNUSED_HASH = Buffer.alloc(32);

/** Parses a comma-separated scope list, e.g. `events:write,users:read`. */
export function parseScopes(text: string): ApiKeyScope[] {
  const requested = [
    ...new Set(
      text
        .split(',')
        .map((scope) => scope.trim())
        .filter((scope) => scope !== ''),
    ),
  ];
  return checkScopes(requested);
}

/** Whether a key with `scopes` may do what `required` allows; `admin` allows everything. */
export function grants(scopes: readonly ApiKeyScope[], required: ApiKeyScope): boolean {
  return scopes.includes(required) || scopes.includes('admin');
}

export class ApiKeyRepository {
  constructor(private readonly db: Queryable) {}

  async create(options: { scopes: ApiKeyScope[]; name?: string | undefined }, now: EpochMs): Promise<CreatedApiKey> {
    const scopes = checkScopes([...new Set<string>(options.scopes)]);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await this.db.query(
      'INSERT INTO api_keys (id, name, secret_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)',
      [id, options.name ?? null, hash(secret), scopes, toDate(now)],
    );
    return { id, key: `tact_${id}_${secret}`, scopes };
  }

  /** The key's identity and scopes, or null for a malformed, unknown, wrong or revoked key. */
  async verify(presented: string, now: EpochMs): Promise<VerifiedApiKey | null> {
    const match = KEY_PATTERN.exec(presented);
    if (match === null) return null;
    const [, id, secret] = match as unknown as [string, string, string];
    const { rows } = await this.db.query<{
      secret_hash: Buffer;
      name: string | null;
      scopes: ApiKeyScope[];
      revoked_at: Date | null;
      last_used_at: Date | null;
    }>('SELECT secret_hash, name, scopes, revoked_at, last_used_at FROM api_keys WHERE id = $1', [id]);
    const row = rows[0];
    // Compare even for an unknown id, so that the answer takes the same time either way.
    const matches = timingSafeEqual(hash(secret), row?.secret_hash ?? UNUSED_HASH) && row !== undefined;
    if (!matches || row.revoked_at !== null) return null;
    if (row.last_used_at === null || now - toEpochMs(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      await this.db.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [id, toDate(now)]);
    }
    return { id, ...(row.name === null ? {} : { name: row.name }), scopes: row.scopes };
  }

  /** Every key, revoked ones included, oldest first. Never includes secrets. */
  async list(): Promise<ApiKeyInfo[]> {
    const { rows } = await this.db.query<{
      id: string;
      name: string | null;
      scopes: ApiKeyScope[];
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }>('SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, id');
    return rows.map((row) => {
      const lastUsedAt = optionalEpochMs(row.last_used_at);
      const revokedAt = optionalEpochMs(row.revoked_at);
      return {
        id: row.id,
        ...(row.name === null ? {} : { name: row.name }),
        scopes: row.scopes,
        createdAt: toEpochMs(row.created_at),
        lastUsedAt,
        revokedAt,
      };
    });
  }

  async revoke(id: string, now: EpochMs): Promise<'revoked' | 'already_revoked' | 'not_found'> {
    const revoked = await this.db.query('UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [
      id,
      toDate(now),
    ]);
    if (revoked.rowCount === 1) return 'revoked';
    const existing = await this.db.query('SELECT 1 FROM api_keys WHERE id = $1', [id]);
    return existing.rowCount === 0 ? 'not_found' : 'already_revoked';
  }
}

/**
 * Creates an admin key when no unrevoked admin key exists (first start), else returns null.
 * Serialised by an advisory lock, so two processes starting together create one key.
 */
export async function ensureAdminKey(pool: pg.Pool, now: EpochMs): Promise<CreatedApiKey | null> {
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [INITIAL_ADMIN_LOCK]);
    const { rowCount } = await client.query(
      `SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND 'admin' = ANY(scopes) LIMIT 1`,
    );
    if (rowCount !== 0) return null;
    return new ApiKeyRepository(client).create({ scopes: ['admin'], name: 'initial admin' }, now);
  });
}

function checkScopes(scopes: string[]): ApiKeyScope[] {
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0 || scopes.length === 0) throw new InvalidScopesError(unknown);
  return scopes as ApiKeyScope[];
}

function isScope(scope: string): scope is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(scope);
}

function hash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
