import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lockDataDir, DataDirInUseError } from '../../db/data-dir-lock';
import { migrate } from '../../db/migrate';
import { DEFAULT_DATA_DIR, openDatabase, resolveTarget, type Database } from '../../db/pool';
import { createRepositories } from '../../db/repositories';
import { epochMs } from '../../domain/units';
import { nth } from '../../domain/present';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-embedded-'));
  tempDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('embedded database', () => {
  it('persist across close and reopen of the same data directory, through pg', async () => {
    const dataDir = path.join(tempDir(), 'pglite');
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe('embedded');
    expect((await migrate(first.pool)).applied.length).toBeGreaterThan(0);
    const repos = createRepositories(first.pool);
    await repos.users.upsert(
      { id: 'user-1', timeZone: 'Europe/Paris', locale: 'fr-FR', attributes: { plan: 'pro' } },
      epochMs(1_700_000_000_000),
    );
    await repos.decisions.recordDecisions('user-1', [
      {
        candidateId: 'c1',
        category: 'social',
        outcome: { kind: 'sent', channel: 'push', at: epochMs(1_700_000_000_500) },
      },
    ]);
    await first.close();
    await first.close(); // closing twice is harmless
    expect(fs.existsSync(path.join(dataDir, 'tact.lock'))).toBe(false);

    const second = await openDatabase({ dataDir });
    try {
      expect((await migrate(second.pool)).applied).toEqual([]);
      const reopened = createRepositories(second.pool);
      expect(await reopened.users.get('user-1')).toMatchObject({
        timeZone: 'Europe/Paris',
        attributes: { plan: 'pro' },
      });
      expect((await reopened.decisions.list('user-1')).decisions).toEqual([
        {
          candidateId: 'c1',
          category: 'social',
          outcome: { kind: 'sent', channel: 'push', at: epochMs(1_700_000_000_500) },
          receipts: {},
        },
      ]);
    } finally {
      await second.close();
    }
  });

  // Opening a fresh data directory initializes a PostgreSQL cluster in WebAssembly (seconds on a loaded CI machine):
  // these two tests share one.
  describe('one open data directory', () => {
    let dataDir: string;
    let db: Database;
    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-embedded-'));
      db = await openDatabase({ dataDir });
    });
    afterAll(async () => {
      await db?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('serve a transaction and plain queries issued at the same time on its single connection', async () => {
      await db.pool.query('CREATE TABLE counter (n int)');
      const client = await db.pool.connect();
      await client.query('BEGIN');
      await client.query('INSERT INTO counter VALUES (1)');
      // Waits for the pool's one connection instead of interleaving with the open transaction.
      const outside = db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM counter');
      await client.query('ROLLBACK');
      client.release();
      expect(nth((await outside).rows, 0).n).toBe(0);
    });

    it('refuse a second open of a data directory in use, with the reason', async () => {
      await expect(openDatabase({ dataDir })).rejects.toThrow(
        new RegExp(`already open in process ${process.pid}.*set DATABASE_URL`),
      );
    });
  });

  it('fail a query that waits longer than the acquire timeout for the one shared connection', async () => {
    const database = await openDatabase({ dataDir: path.join(tempDir(), 'pglite'), acquireTimeoutMs: 300 });
    try {
      const holder = await database.pool.connect();
      await expect(database.pool.query('SELECT 1')).rejects.toThrow(/timeout exceeded when trying to connect/);
      holder.release();
      expect((await database.pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  });
});

describe('data directory lock', () => {
  it('take over a lock left behind by a process that no longer runs', () => {
    const dataDir = tempDir();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    fs.writeFileSync(path.join(dataDir, 'tact.lock'), String(deadPid));
    const lock = lockDataDir(dataDir);
    expect(fs.readFileSync(path.join(dataDir, 'tact.lock'), 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(fs.existsSync(path.join(dataDir, 'tact.lock'))).toBe(false);
  });

  it('refuse a lock held by a running process', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, 'tact.lock'), String(process.ppid));
    expect(() => lockDataDir(dataDir)).toThrow(DataDirInUseError);
  });
});

describe('choosing the database', () => {
  it('use DATABASE_URL when set, else the embedded data directory', () => {
    expect(resolveTarget({}, { DATABASE_URL: 'postgres://h/db' })).toEqual({
      kind: 'postgres',
      databaseUrl: 'postgres://h/db',
      poolMax: 10,
      acquireTimeoutMs: 15_000,
    });
    expect(resolveTarget({}, { DATABASE_URL: ' ' })).toEqual({
      kind: 'embedded',
      dataDir: DEFAULT_DATA_DIR,
      acquireTimeoutMs: 15_000,
    });
    expect(resolveTarget({}, { TACT_DATA_DIR: '/var/tact', TACT_DB_ACQUIRE_TIMEOUT_MS: '2500' })).toEqual({
      kind: 'embedded',
      dataDir: '/var/tact',
      acquireTimeoutMs: 2500,
    });
  });

  it('let explicit options win over the environment', () => {
    const env = { DATABASE_URL: 'postgres://h/db', TACT_DATA_DIR: '/var/tact', TACT_DB_POOL_MAX: '4' };
    expect(resolveTarget({ dataDir: '/tmp/x', acquireTimeoutMs: 50 }, env)).toEqual({
      kind: 'embedded',
      dataDir: '/tmp/x',
      acquireTimeoutMs: 50,
    });
    expect(resolveTarget({ databaseUrl: 'postgres://other/db' }, env)).toEqual({
      kind: 'postgres',
      databaseUrl: 'postgres://other/db',
      poolMax: 4,
      acquireTimeoutMs: 15_000,
    });
    expect(() => resolveTarget({ databaseUrl: 'postgres://h/db', dataDir: '/tmp/x' }, {})).toThrow(/not both/);
  });

  it('reject a pool size that is not a positive integer', () => {
    expect(() => resolveTarget({}, { DATABASE_URL: 'postgres://h/db', TACT_DB_POOL_MAX: 'many' })).toThrow(
      /TACT_DB_POOL_MAX must be a positive integer, got "many"/,
    );
    expect(() => resolveTarget({}, { TACT_DB_ACQUIRE_TIMEOUT_MS: '0' })).toThrow(
      /TACT_DB_ACQUIRE_TIMEOUT_MS must be a positive integer, got "0"/,
    );
  });
});
