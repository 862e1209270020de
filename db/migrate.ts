// Versioned SQL migrations (`db/migrations/NNN_name.sql`), applied in order under an advisory lock
// so that two processes starting at once apply each migration exactly once. Every applied
// migration is recorded with a checksum; editing one after it ran is refused.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { nth, present } from '../domain/present';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;
// First key of the two-key advisory lock ("ta"); the second is derived from the schema, so that
// databases holding several Tact schemas migrate them independently.
const LOCK_NAMESPACE = 0x7461;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: Pick<Migration, 'version' | 'name'>[];
  /** Versions that were already in place. */
  alreadyApplied: number;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  if (!fs.existsSync(dir)) throw new MigrationError(`migrations directory not found: ${dir}`);
  const migrations = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_PATTERN.exec(file);
      if (match === null) throw new MigrationError(`migration file name must look like 001_name.sql: ${file}`);
      // Line endings are normalised so that a checkout with CRLF conversion has the same checksum.
      const sql = fs.readFileSync(path.join(dir, file), 'utf8').replace(/\r\n/g, '\n');
      return { version: Number(match[1]), name: present(match[2], file), sql, checksum: sha256(sql) };
    })
    .sort((a, b) => a.version - b.version);
  if (migrations.length === 0) throw new MigrationError(`no migrations in ${dir}`);
  migrations.forEach((migration, index) => {
    if (index > 0 && nth(migrations, index - 1).version === migration.version) {
      throw new MigrationError(`two migrations have version ${migration.version}`);
    }
  });
  return migrations;
}

export async function migrate(pool: pg.Pool, migrations: Migration[] = loadMigrations()): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext(current_schema()))', [LOCK_NAMESPACE]);
    const result = await applyPending(client, migrations);
    await client.query('SELECT pg_advisory_unlock($1, hashtext(current_schema()))', [LOCK_NAMESPACE]);
    client.release();
    return result;
  } catch (error) {
    // Discarding the connection ends its session, which also drops the advisory lock.
    client.release(true);
    throw error;
  }
}

async function applyPending(client: pg.PoolClient, migrations: Migration[]): Promise<MigrationResult> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const recorded = await readRecorded(client);
  verifyRecorded(recorded, migrations);
  const result: MigrationResult = { applied: [], alreadyApplied: 0 };
  for (const migration of migrations) {
    if (recorded.has(migration.version)) {
      result.alreadyApplied += 1;
      continue;
    }
    if (await applyOne(client, migration)) result.applied.push({ version: migration.version, name: migration.name });
    else result.alreadyApplied += 1;
  }
  return result;
}

/** Applies one migration in its own transaction; false when another run recorded it first. */
async function applyOne(client: pg.PoolClient, migration: Migration): Promise<boolean> {
  await client.query('BEGIN');
  try {
    // Re-checked inside the transaction: PGlite has a single session, so the advisory lock does
    // not exclude its other connections, but it runs one transaction at a time.
    const existing = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
    if (existing.rowCount !== 0) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${label(migration)} failed and was rolled back: ${reason}`);
  }
}

interface RecordedMigration {
  name: string;
  checksum: string;
}

async function readRecorded(client: pg.PoolClient): Promise<Map<number, RecordedMigration>> {
  const { rows } = await client.query<{ version: number } & RecordedMigration>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  return new Map(rows.map((row) => [row.version, { name: row.name, checksum: row.checksum }]));
}

function verifyRecorded(recorded: Map<number, RecordedMigration>, migrations: Migration[]): void {
  const known = new Map(migrations.map((migration) => [migration.version, migration]));
  for (const [version, applied] of recorded) {
    const migration = known.get(version);
    if (migration === undefined) {
      throw new MigrationError(
        `the database has migration ${pad(version)}_${applied.name}, which this version of Tact does not know: ` +
          'it was migrated by a newer release; run that release (or newer) against it',
      );
    }
    if (migration.checksum !== applied.checksum) {
      throw new MigrationError(
        `migration ${label(migration)} was changed after it was applied (checksum ${applied.checksum.slice(0, 12)}… ` +
          `in the database, ${migration.checksum.slice(0, 12)}… on disk): never edit an applied migration; ` +
          'restore it and add a new migration instead',
      );
    }
  }
}

function label(migration: Pick<Migration, 'version' | 'name'>): string {
  return `${pad(migration.version)}_${migration.name}`;
}

function pad(version: number): string {
  return String(version).padStart(3, '0');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
