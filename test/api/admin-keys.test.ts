// /v1/admin/keys over real HTTP, and `npm run keys` going through it while a server holds the database.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useApiStack } from './support';
import { nth } from '../../domain/present';

const stack = useApiStack({ worker: false });
const root = path.resolve(__dirname, '../..');

/** Runs `npm run keys -- <args>` (its script, through tsx) against the test's API. */
function keysCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'db/cli/keys.ts', ...args],
      {
        cwd: root,
        // No DATABASE_URL: were the CLI to open a database, it would be another one and the API would not know the key.
        env: { PATH: process.env.PATH ?? '', TACT_DATA_DIR: path.join(root, 'data', 'never-opened'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('/v1/admin/keys', () => {
  it('creates a key that works at once, lists it without its secret, and revokes it', async () => {
    const created = await stack().call('POST', '/v1/admin/keys', {
      json: { scopes: ['users:read'], name: 'dashboard' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ scopes: ['users:read'], name: 'dashboard' });
    expect(created.body.key).toMatch(/^tact_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { id, key } = created.body as { id: string; key: string };

    // The new key reads, and is refused what its scope does not allow.
    expect((await stack().call('GET', '/v1/users/nobody/decisions', { key })).status).toBe(404);
    expect((await stack().call('GET', '/v1/admin/keys', { key })).status).toBe(403);

    const listed = await stack().call('GET', '/v1/admin/keys');
    expect(listed.status).toBe(200);
    const entry = (listed.body.keys as { id: string }[]).find((k) => k.id === id);
    expect(entry).toMatchObject({ id, name: 'dashboard', scopes: ['users:read'], createdAt: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain(key.split('_')[2]);

    const revoked = await stack().call('DELETE', `/v1/admin/keys/${id}`);
    expect(revoked).toMatchObject({ status: 200, body: { id, status: 'revoked' } });
    expect((await stack().call('GET', '/v1/users/nobody/decisions', { key })).status).toBe(401);
    expect((await stack().call('DELETE', `/v1/admin/keys/${id}`)).body).toEqual({ id, status: 'already_revoked' });
    expect((await stack().call('DELETE', '/v1/admin/keys/0123456789abcdef')).status).toBe(404);
  });

  it('is for admin keys only, and names the field of a bad request', async () => {
    for (const key of [stack().keys.events, stack().keys.usersWrite, stack().keys.usersRead]) {
      expect((await stack().call('POST', '/v1/admin/keys', { key, json: { scopes: ['admin'] } })).status).toBe(403);
    }
    expect((await stack().call('GET', '/v1/admin/keys', { key: null })).status).toBe(401);
    const bad = await stack().call('POST', '/v1/admin/keys', { json: { scopes: ['everything'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'scopes[0]' })]);
    expect((await stack().call('POST', '/v1/admin/keys', { json: { scopes: [] } })).status).toBe(400);
    expect((await stack().call('DELETE', '/v1/admin/keys/not-an-id')).status).toBe(400);
  });
});

describe('npm run keys while the server runs', () => {
  it('creates, lists and revokes through the API with the admin key', async () => {
    const env = { TACT_URL: stack().baseUrl, TACT_API_KEY: stack().keys.admin };
    const created = await keysCli(['create', '--scopes', 'events:write', '--name', 'from-cli'], env);
    expect(created.code, JSON.stringify(created)).toBe(0);
    expect(created.err).toContain(`through the API at ${stack().baseUrl}`);
    const key = created.out.trim();
    expect(key).toMatch(/^tact_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    // The server knows the key: it was made in its database.
    const id = nth(key.split('_'), 1);
    expect((await stack().repos.apiKeys.list()).map((k) => k.id)).toContain(id);

    const listed = await keysCli(['list'], env);
    expect(listed.code, JSON.stringify(listed)).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^${id}\\tactive\\tevents:write\\t.*\\tfrom-cli$`, 'm'));

    const revoked = await keysCli(['revoke', id], env);
    expect(revoked).toMatchObject({ code: 0 });
    expect(revoked.err).toContain(`revoked API key ${id}`);
    expect((await keysCli(['revoke', 'fedcba9876543210'], env)).code).toBe(1);
  });

  it('asks for the admin key when a server answers and none is given', async () => {
    const result = await keysCli(['list'], { TACT_URL: stack().baseUrl });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/answers at .*TACT_API_KEY/);
  });
});
