import { describe, expect, it } from 'vitest';
import { ApiKeyRepository, ensureAdminKey, grants, InvalidScopesError, parseScopes } from '../../db/api-keys';
import { useTestDatabase } from '../support/test-database';
import { utc } from '../support/instants';
import { addMs, durationMs, seconds } from '../../domain/units';
import { nth } from '../../domain/present';

const T0 = utc(2025, 6, 1, 12, 0, 0);

describe('API keys', () => {
  const db = useTestDatabase();
  const keys = () => new ApiKeyRepository(db().pool);

  it('create a key shown once as tact_<id>_<secret>, storing only a hash of the secret', async () => {
    const created = await keys().create({ scopes: ['events:write', 'users:read'], name: 'backend' }, T0);
    expect(created.key).toMatch(/^tact_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`tact_${created.id}_`)).toBe(true);
    const secret = created.key.slice(`tact_${created.id}_`.length);
    const stored = await db().pool.query<{ row: string }>(
      'SELECT row_to_json(api_keys)::text AS row FROM api_keys WHERE id = $1',
      [created.id],
    );
    expect(nth(stored.rows, 0).row).not.toContain(secret);
    expect(nth(stored.rows, 0).row).not.toContain(Buffer.from(secret).toString('hex'));
  });

  it('verify the right key and reject a wrong secret, an unknown id or a malformed key', async () => {
    const repo = keys();
    const created = await repo.create({ scopes: ['users:write'] }, T0);
    expect(await repo.verify(created.key, addMs(T0, durationMs(1)))).toEqual({
      id: created.id,
      scopes: ['users:write'],
    });

    const secret = created.key.slice(-43);
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    expect(await repo.verify(`tact_${created.id}_${flipped}`, T0)).toBeNull();
    expect(await repo.verify(`tact_${'0'.repeat(16)}_${secret}`, T0)).toBeNull();
    for (const malformed of [
      '',
      'Bearer x',
      created.key + 'x',
      created.key.toUpperCase(),
      `tact_${created.id}`,
      "tact_' OR 1=1 --",
    ]) {
      expect(await repo.verify(malformed, T0)).toBeNull();
    }
  });

  it('reject a revoked key; revoking is idempotent and tells unknown ids apart', async () => {
    const repo = keys();
    const created = await repo.create({ scopes: ['admin'] }, T0);
    expect(await repo.revoke(created.id, addMs(T0, durationMs(10)))).toBe('revoked');
    expect(await repo.verify(created.key, addMs(T0, durationMs(20)))).toBeNull();
    expect(await repo.revoke(created.id, addMs(T0, durationMs(30)))).toBe('already_revoked');
    expect(await repo.revoke('0123456789abcdef', T0)).toBe('not_found');
    const listed = (await repo.list()).find((key) => key.id === created.id);
    expect(listed).toMatchObject({ revokedAt: T0 + 10 });
  });

  it('record last use, at most once a minute', async () => {
    const repo = keys();
    const created = await repo.create({ scopes: ['users:read'], name: 'reader' }, T0);
    await repo.verify(created.key, addMs(T0, seconds(1)));
    await repo.verify(created.key, addMs(T0, seconds(30)));
    const info = async () => (await repo.list()).find((key) => key.id === created.id);
    expect(await info()).toEqual({
      id: created.id,
      name: 'reader',
      scopes: ['users:read'],
      createdAt: T0,
      lastUsedAt: T0 + 1_000,
    });
    await repo.verify(created.key, addMs(T0, seconds(61)));
    expect((await info())?.lastUsedAt).toBe(T0 + 61_000);
  });

  it('refuse unknown or missing scopes, listing the accepted ones', async () => {
    await expect(keys().create({ scopes: ['events:write', 'root' as never] }, T0)).rejects.toThrow(
      'unknown scope root; accepted: events:write, users:write, users:read, admin',
    );
    await expect(keys().create({ scopes: [] }, T0)).rejects.toBeInstanceOf(InvalidScopesError);
    expect(parseScopes(' events:write, users:read,events:write ')).toEqual(['events:write', 'users:read']);
    expect(() => parseScopes('')).toThrow(/give at least one scope/);
    expect(() => parseScopes('users:read,a,b')).toThrow(/unknown scopes a, b/);
  });

  it('let admin grant every scope and other scopes only themselves', () => {
    expect(grants(['admin'], 'events:write')).toBe(true);
    expect(grants(['users:write'], 'users:write')).toBe(true);
    expect(grants(['users:write'], 'users:read')).toBe(false);
  });

  it('create one initial admin key, even when asked twice at once, and none while one is active', async () => {
    const { pool } = db();
    const repo = keys();
    for (const key of await repo.list()) await repo.revoke(key.id, T0);
    const [a, b] = await Promise.all([ensureAdminKey(pool, T0), ensureAdminKey(pool, T0)]);
    const created = [a, b].filter((key) => key !== null);
    expect(created).toHaveLength(1);
    expect(nth(created, 0).scopes).toEqual(['admin']);
    expect(await repo.verify(nth(created, 0).key, T0)).toMatchObject({ name: 'initial admin', scopes: ['admin'] });
    expect(await ensureAdminKey(pool, T0)).toBeNull();
  });
});
