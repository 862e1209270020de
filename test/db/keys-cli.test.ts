import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiKeyRepository } from '../../db/api-keys';
import { parseKeysCommand, runKeysCommand, UsageError, type CliOutput } from '../../db/cli/keys';
import { useTestDatabase } from '../support/test-database';
import { utc } from '../support/instants';
import { present } from '../../domain/present';

const T0 = utc(2025, 7, 1);

function captured(): CliOutput & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

describe('keys command line', () => {
  const db = useTestDatabase();

  it('parse create, list and revoke, and reject anything else with a reason', () => {
    expect(parseKeysCommand(['create', '--scopes', 'events:write,users:read', '--name', 'svc'])).toEqual({
      kind: 'create',
      scopes: ['events:write', 'users:read'],
      name: 'svc',
    });
    expect(parseKeysCommand(['list'])).toEqual({ kind: 'list' });
    expect(parseKeysCommand(['revoke', 'abc'])).toEqual({ kind: 'revoke', id: 'abc' });
    expect(parseKeysCommand(['--help'])).toEqual({ kind: 'help' });
    const fails = (args: string[], message: RegExp) => {
      expect(() => parseKeysCommand(args)).toThrow(UsageError);
      expect(() => parseKeysCommand(args)).toThrow(message);
    };
    fails(['create'], /create needs --scopes/);
    fails(['create', '--scopes', 'events:write,superuser'], /unknown scope superuser; accepted: events:write/);
    fails(['create', '--scopes=events:write', 'extra'], /unexpected argument: extra/);
    fails(['revoke'], /revoke needs the id/);
    fails(['rotate'], /unknown command: rotate/);
    fails([], /give a command/);
    fails(['list', '--bogus'], /Unknown option '--bogus'/);
  });

  it('create a key printed once on stdout, list it without its secret, and revoke it', async () => {
    const { pool } = db();
    const io = captured();
    expect(await runKeysCommand({ kind: 'create', scopes: ['events:write'], name: 'cli' }, pool, io, T0)).toBe(0);
    const [key] = io.stdout;
    expect(io.stdout).toHaveLength(1);
    expect(io.stderr.join('\n')).toMatch(/shown once/);
    const verified = await new ApiKeyRepository(pool).verify(present(key, 'key'), T0);
    expect(verified).toMatchObject({ name: 'cli', scopes: ['events:write'] });

    const listing = captured();
    await runKeysCommand({ kind: 'list' }, pool, listing, T0);
    expect(listing.stdout.join('\n')).toContain(
      `${present(verified, 'verified').id}\tactive\tevents:write\tcreated 2025-08-01T00:00:00.000Z`,
    );
    expect(listing.stdout.join('\n')).not.toContain(present(key, 'key').slice(-43));

    const revoking = captured();
    expect(await runKeysCommand({ kind: 'revoke', id: present(verified, 'verified').id }, pool, revoking, T0)).toBe(0);
    expect(revoking.stderr).toEqual([`revoked API key ${present(verified, 'verified').id}`]);
    expect(await new ApiKeyRepository(pool).verify(present(key, 'key'), T0)).toBeNull();
    const unknown = captured();
    expect(await runKeysCommand({ kind: 'revoke', id: 'nope' }, pool, unknown, T0)).toBe(1);
    expect(unknown.stderr).toEqual(['no API key with id nope']);
  });

  it('run as npm run keys and npm run migrate against an embedded data directory', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-cli-'));
    // TACT_URL on a port nothing listens on (discard): no API answers, so the CLI opens the database itself.
    const env = { ...process.env, TACT_DATA_DIR: dataDir, DATABASE_URL: '', TACT_URL: 'http://127.0.0.1:9' };
    const run = (script: string, ...args: string[]) =>
      spawnSync(process.execPath, [path.join('node_modules', 'tsx', 'dist', 'cli.mjs'), script, ...args], {
        env,
        encoding: 'utf8',
      });
    try {
      const migrated = run('db/cli/migrate.ts');
      expect(migrated.stderr).toBe('');
      expect(migrated.stdout).toMatch(/embedded PostgreSQL \(PGlite\) in .*\n {2}applied 001_initial\n/);
      const created = run('db/cli/keys.ts', 'create', '--scopes', 'admin');
      expect(created.status).toBe(0);
      expect(created.stdout).toMatch(/^tact_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
      const bad = run('db/cli/keys.ts', 'create', '--scopes', 'everything');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/unknown scope everything; accepted: events:write, users:write, users:read, admin/);
      const again = run('db/cli/migrate.ts');
      expect(again.stdout).toMatch(/up to date/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
