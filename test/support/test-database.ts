// A private database for one test file: a fresh schema on the real server when DATABASE_URL is
// set (CI), a fresh embedded PGlite in a temporary directory otherwise. Both go through openDatabase.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../../db/migrate';
import { openDatabase, type Database } from '../../db/pool';

export interface TestDatabase extends Database {
  /** Opens another, independent connection pool to the same database (real server only). */
  openAnother(): Promise<Database>;
}

export async function openTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  const database =
    serverUrl !== undefined && serverUrl !== '' ? await openSchema(serverUrl) : await openTemporaryEmbedded();
  if (options.migrated ?? true) await migrate(database.pool);
  return database;
}

/** Opens a test database before the file's tests and drops it after them. */
export function useTestDatabase(options: { migrated?: boolean } = {}): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await openTestDatabase(options);
  });
  afterAll(async () => {
    await database?.close();
  });
  return () => {
    if (database === undefined) throw new Error('the test database is not open yet (use it inside a test)');
    return database;
  };
}

async function openSchema(serverUrl: string): Promise<TestDatabase> {
  const schema = `tact_test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE SCHEMA ${schema}`);
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
  const database = await openDatabase({ databaseUrl });
  let closed: Promise<void> | undefined;
  return {
    ...database,
    where: `${database.where}, schema ${schema}`,
    openAnother: () => openDatabase({ databaseUrl }),
    close: () =>
      (closed ??= database.close().then(() => onServer(serverUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`))),
  };
}

async function openTemporaryEmbedded(): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-db-test-'));
  const database = await openDatabase({ dataDir });
  let closed: Promise<void> | undefined;
  return {
    ...database,
    openAnother: () => {
      throw new Error('an embedded database has one owner: a second pool to it is not supported');
    },
    close: () => (closed ??= database.close().then(() => fs.rmSync(dataDir, { recursive: true, force: true }))),
  };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
