// Opens Tact's database: a real PostgreSQL server when a URL is given, the embedded PGlite
// otherwise. Both are reached through a `pg.Pool`, so repositories cannot tell them apart.
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedServer, type EmbeddedServer } from './embedded';

export const DEFAULT_DATA_DIR = './data/pglite';
const DEFAULT_POOL_MAX = 10;
const DEFAULT_ACQUIRE_TIMEOUT_MS = 15_000;

export interface DatabaseOptions {
  /** A PostgreSQL connection URL. Default: `DATABASE_URL`, unless `dataDir` is given. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files. Default: `TACT_DATA_DIR`, else `./data/pglite`. */
  dataDir?: string;
  /** Connections to a real server. Default: `TACT_DB_POOL_MAX`, else 10. Embedded mode always uses 1. */
  poolMax?: number;
  /**
   * How long a query waits for a connection (to open one, or for a busy pool to free one) before it fails with
   * "timeout exceeded when trying to connect" (the API answers 503). Default: `TACT_DB_ACQUIRE_TIMEOUT_MS`, else
   * 15 s. Matters most in embedded mode, where the API and every activity share one connection.
   */
  acquireTimeoutMs?: number;
  /** Called when an idle pooled connection fails (the pool replaces it). Default: one line on stderr. */
  onIdleClientError?: (error: Error) => void;
}

export interface Database {
  pool: pg.Pool;
  kind: 'postgres' | 'embedded';
  /** Where the data lives, for one log line; never includes credentials. */
  where: string;
  /** Ends the pool, then (embedded) stops the socket server and closes PGlite. Safe to call twice. */
  close(): Promise<void>;
}

type Target = ({ kind: 'postgres'; databaseUrl: string; poolMax: number } | { kind: 'embedded'; dataDir: string }) & {
  acquireTimeoutMs: number;
};

export function resolveTarget(options: DatabaseOptions = {}, env: NodeJS.ProcessEnv = process.env): Target {
  if (options.databaseUrl !== undefined && options.dataDir !== undefined) {
    throw new Error('openDatabase: give either databaseUrl or dataDir, not both');
  }
  const databaseUrl = options.databaseUrl ?? (options.dataDir === undefined ? nonEmpty(env.DATABASE_URL) : undefined);
  const acquireTimeoutMs =
    options.acquireTimeoutMs ??
    parsePositiveInteger('TACT_DB_ACQUIRE_TIMEOUT_MS', env.TACT_DB_ACQUIRE_TIMEOUT_MS, DEFAULT_ACQUIRE_TIMEOUT_MS);
  if (databaseUrl !== undefined) {
    const poolMax = options.poolMax ?? parsePositiveInteger('TACT_DB_POOL_MAX', env.TACT_DB_POOL_MAX, DEFAULT_POOL_MAX);
    return { kind: 'postgres', databaseUrl, poolMax, acquireTimeoutMs };
  }
  return {
    kind: 'embedded',
    dataDir: options.dataDir ?? nonEmpty(env.TACT_DATA_DIR) ?? DEFAULT_DATA_DIR,
    acquireTimeoutMs,
  };
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const target = resolveTarget(options);
  const onIdleClientError = options.onIdleClientError ?? reportIdleClientError;
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.databaseUrl,
      max: target.poolMax,
      // An unreachable server or an exhausted pool fails requests (and /readyz) instead of hanging them.
      connectionTimeoutMillis: target.acquireTimeoutMs,
    });
    pool.on('error', onIdleClientError);
    return { pool, kind: 'postgres', where: describeServer(target.databaseUrl), close: once(() => pool.end()) };
  }
  const server = await startEmbeddedServer(target.dataDir);
  const pool = new pg.Pool({
    host: server.host,
    port: server.port,
    user: 'postgres',
    database: 'postgres',
    max: 1,
    // Keep the one connection: PGlite is single-session and reconnecting gains nothing.
    idleTimeoutMillis: 0,
    // The API and every activity share that connection: one slow holder must not stall the rest forever.
    connectionTimeoutMillis: target.acquireTimeoutMs,
  });
  pool.on('error', onIdleClientError);
  return {
    pool,
    kind: 'embedded',
    where: `embedded PostgreSQL (PGlite) in ${path.resolve(target.dataDir)}`,
    close: once(() => closeEmbedded(pool, server)),
  };
}

async function closeEmbedded(pool: pg.Pool, server: EmbeddedServer): Promise<void> {
  try {
    await pool.end();
  } finally {
    await server.stop();
  }
}

function describeServer(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `PostgreSQL at ${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= action());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function parsePositiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (nonEmpty(value) === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`${name} must be a positive integer, got "${value}"`);
  }
  return parsed;
}

function reportIdleClientError(error: Error): void {
  console.error(`tact db: idle database connection failed and was dropped: ${error.message}`);
}
