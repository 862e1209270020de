import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, MigrationError, type Migration } from '../../db/migrate';
import { openTestDatabase, useTestDatabase } from '../support/test-database';
import { nth } from '../../domain/present';

const TABLES = [
  'api_keys',
  'decisions',
  'delivery_ledger',
  'endpoints',
  'events_accepted',
  'notification_events',
  'outbox',
  'preferences',
  'schema_migrations',
  'users',
];

describe('migrations', () => {
  const db = useTestDatabase({ migrated: false });

  it('apply every migration to an empty database and record each with its checksum', async () => {
    const { pool } = db();
    const migrations = loadMigrations();
    const result = await migrate(pool);
    expect(result.applied.map((m) => m.version)).toEqual(migrations.map((m) => m.version));
    expect(result.alreadyApplied).toBe(0);

    const tables = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    // Other components add their own tables in later migrations; these are the core ones.
    expect(tables.rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(TABLES));
    const recorded = await pool.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    expect(recorded.rows).toEqual(migrations.map(({ version, name, checksum }) => ({ version, name, checksum })));
  });

  it('re-run on a migrated database apply nothing and change nothing', async () => {
    const { pool } = db();
    await pool.query(
      `INSERT INTO users (id, time_zone, locale, created_at, updated_at) VALUES ('u1', 'UTC', 'en', now(), now())`,
    );
    const result = await migrate(pool);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toBe(loadMigrations().length);
    const users = await pool.query('SELECT id FROM users');
    expect(users.rows).toEqual([{ id: 'u1' }]);
  });

  it('create the indexes the API and reports query by', async () => {
    const { pool } = db();
    const { rows } = await pool.query<{ indexname: string }>(
      'SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()',
    );
    const names = rows.map((row) => row.indexname);
    expect(names).toEqual(
      expect.arrayContaining([
        'decisions_user_newest_idx',
        'decisions_user_outcome_newest_idx',
        'decisions_user_reason_newest_idx',
        'delivery_ledger_pkey',
        'endpoints_user_active_idx',
        'endpoints_push_token_key',
        'notification_events_notification_user_type_key',
        'endpoints_user_contact_key',
        'users_attributes_idx',
      ]),
    );
  });

  it('refuse to run when an applied migration was edited, naming it', async () => {
    const { pool } = db();
    const edited = loadMigrations().map((m, index): Migration =>
      index === 0 ? { ...m, checksum: 'f'.repeat(64) } : m,
    );
    await expect(migrate(pool, edited)).rejects.toThrow(/migration 001_initial was changed after it was applied/);
  });

  it('refuse to run against a database migrated by a newer release', async () => {
    const { pool } = db();
    await pool.query(`INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'from_the_future', 'x')`);
    try {
      await expect(migrate(pool)).rejects.toThrow(/999_from_the_future, which this version of Tact does not know/);
    } finally {
      await pool.query('DELETE FROM schema_migrations WHERE version = 999');
    }
  });

  it('roll back a failing migration completely and report which one failed', async () => {
    const { pool } = db();
    const broken: Migration = {
      version: 998,
      name: 'broken',
      sql: 'CREATE TABLE half_done (x int); SELECT 1 / 0;',
      checksum: 'c'.repeat(64),
    };
    const error = await migrate(pool, [...loadMigrations(), broken]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/migration 998_broken failed and was rolled back: division by zero/);
    const leftovers = await pool.query(`SELECT to_regclass('half_done') AS t`);
    expect(leftovers.rows[0].t).toBeNull();
    const recorded = await pool.query('SELECT 1 FROM schema_migrations WHERE version = 998');
    expect(recorded.rowCount).toBe(0);
    // The pool is still usable after the failure.
    expect((await migrate(pool)).applied).toEqual([]);
  });
});

describe('migration 003 on a database with data', () => {
  const db = useTestDatabase({ migrated: false });

  it('keep the newest email and phone per user and key receipts by user, keeping every row it may', async () => {
    const { pool } = db();
    const all = loadMigrations();
    await migrate(
      pool,
      all.filter((m) => m.version < 3),
    );
    await pool.query(
      `INSERT INTO users (id, time_zone, locale, created_at, updated_at) VALUES ('m3', 'UTC', 'en', now(), now())`,
    );
    await pool.query(
      `INSERT INTO endpoints (user_id, channel, platform, address, created_at, updated_at) VALUES
         ('m3', 'email', NULL, 'old@example.com', now(), '2025-01-01'),
         ('m3', 'email', NULL, 'new@example.com', now(), '2025-02-01'),
         ('m3', 'sms', NULL, '+33612345678', now(), '2025-01-01'),
         ('m3', 'push', 'ios', 'tok-1', now(), '2025-01-01'),
         ('m3', 'push', 'ios', 'tok-2', now(), '2025-01-01')`,
    );
    await pool.query(
      `INSERT INTO notification_events (notification_id, user_id, type, occurred_at) VALUES
         ('n1', 'm3', 'opened', now()), ('n1', 'm3', 'delivered', now())`,
    );
    expect((await migrate(pool)).applied.map((m) => m.version)).toEqual(
      all.filter((m) => m.version >= 3).map((m) => m.version),
    );
    const { rows } = await pool.query('SELECT channel, address FROM endpoints ORDER BY channel, address');
    expect(rows).toEqual([
      { channel: 'email', address: 'new@example.com' },
      { channel: 'push', address: 'tok-1' },
      { channel: 'push', address: 'tok-2' },
      { channel: 'sms', address: '+33612345678' },
    ]);
    const receipts = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_events');
    expect(nth(receipts.rows, 0).n).toBe(2);
    // The same notification id for another user is no longer a duplicate.
    await pool.query(
      `INSERT INTO notification_events (notification_id, user_id, type, occurred_at) VALUES ('n1', 'm3-other', 'opened', now())`,
    );
  });
});

describe('concurrent migrations', () => {
  it('apply each migration exactly once when two runs start at the same time', async () => {
    const first = await openTestDatabase({ migrated: false });
    try {
      // On a real server: two independent pools. Embedded PGlite has one owner, so there two runs
      // share its pool (and its single connection).
      const second = first.kind === 'postgres' ? await first.openAnother() : first;
      try {
        const results = await Promise.all([migrate(first.pool), migrate(second.pool)]);
        const appliedVersions = results.flatMap((result) => result.applied.map((m) => m.version));
        expect(appliedVersions.sort((a, b) => a - b)).toEqual(loadMigrations().map((m) => m.version));
        const recorded = await first.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        expect(nth(recorded.rows, 0).n).toBe(loadMigrations().length);
      } finally {
        if (second !== first) await second.close();
      }
    } finally {
      await first.close();
    }
  });
});

describe('loadMigrations', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  function dirWith(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-migrations-'));
    dirs.push(dir);
    for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
    return dir;
  }

  it('order migrations by version and ignore line-ending differences in checksums', () => {
    const unix = loadMigrations(dirWith({ '002_b.sql': 'SELECT 2;\n', '001_a.sql': 'SELECT 1;\n' }));
    const windows = loadMigrations(dirWith({ '001_a.sql': 'SELECT 1;\r\n', '002_b.sql': 'SELECT 2;\r\n' }));
    expect(unix.map((m) => `${m.version}_${m.name}`)).toEqual(['1_a', '2_b']);
    expect(windows.map((m) => m.checksum)).toEqual(unix.map((m) => m.checksum));
  });

  it('reject badly named files, duplicate versions and an empty or missing directory', () => {
    expect(() => loadMigrations(dirWith({ '1_a.sql': '' }))).toThrow(/must look like 001_name.sql: 1_a.sql/);
    expect(() => loadMigrations(dirWith({ '001_a.sql': '', '001_b.sql': '' }))).toThrow(
      /two migrations have version 1/,
    );
    expect(() => loadMigrations(dirWith({}))).toThrow(/no migrations in/);
    expect(() => loadMigrations('/nonexistent/tact/migrations')).toThrow(/migrations directory not found/);
  });
});

describe('migration 006 on a database with data', () => {
  const db = useTestDatabase({ migrated: false });

  it('fill provenance of existing decisions from their candidate ids, and store any category name', async () => {
    const { pool } = db();
    const all = loadMigrations();
    await migrate(
      pool,
      all.filter((m) => m.version < 6),
    );
    await pool.query(
      `INSERT INTO decisions (user_id, candidate_id, category, outcome, channel, decided_at) VALUES
         ('u1', 'evt-1:4', 'social', 'sent', 'push', now()),
         ('u1', 'evt:with:colons:9', 'marketing', 'sent', 'push', now()),
         ('u1', 'journey-made', 'reminder', 'sent', 'push', now())`,
    );
    await migrate(pool);
    const { rows } = await pool.query(
      'SELECT candidate_id, source, source_id, template FROM decisions ORDER BY candidate_id',
    );
    expect(rows).toEqual([
      { candidate_id: 'evt-1:4', source: 'event', source_id: 'evt-1', template: 'friend_joined' },
      { candidate_id: 'evt:with:colons:9', source: 'event', source_id: 'evt:with:colons', template: 'promo_available' },
      { candidate_id: 'journey-made', source: 'event', source_id: null, template: null },
    ]);
    await pool.query(
      `INSERT INTO users (id, time_zone, locale, created_at, updated_at) VALUES ('u1', 'UTC', 'en', now(), now())`,
    );
    await pool.query(
      `INSERT INTO preferences (user_id, opted_out_categories, updated_at) VALUES ('u1', '{promo_flash}', now())`,
    );
    await expect(
      pool.query(`UPDATE preferences SET opted_out_categories = '{"Promo Flash"}' WHERE user_id = 'u1'`),
    ).rejects.toThrow(/check constraint/);
  });
});
