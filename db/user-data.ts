// Everything stored about one user, in one place: what an export returns and what an erasure removes. A table that
// gains a user_id column belongs in USER_TABLES (a test compares this list with the schema).
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { EpochMs } from '../domain/types';
import { toDate, withTransaction } from './sql';

/** Tables with a user_id column, children before parents (endpoints and preferences before users). */
export const USER_TABLES = [
  'decisions',
  'notification_events',
  'delivery_ledger',
  'outbox',
  'events_accepted',
  'ingest_queue',
  'endpoints',
  'preferences',
  'user_sessions',
  'journey_runs',
  'campaign_targets',
  'user_conversions',
  'churn_signals',
  'user_data_keys',
  'user_state_views',
  'users',
] as const;
export type UserTable = (typeof USER_TABLES)[number];

/** Tables erasure leaves to the key shredding step (crypto-shredding deletes the key last). */
const KEPT_UNTIL_SHREDDING: readonly UserTable[] = ['user_data_keys'];

export type UserExport = Record<Exclude<UserTable, 'user_data_keys'>, Record<string, unknown>[]>;

/** The SHA-256 of a user id: how an erasure receipt names its subject without keeping the id. */
export function subjectHash(userId: string): string {
  return createHash('sha256').update(userId, 'utf8').digest('hex');
}

/** Every stored row of the user (wrapped data keys excepted: they are key material, not the user's data). */
export async function exportUserRows(pool: pg.Pool, userId: string): Promise<UserExport> {
  const tables = USER_TABLES.filter((table) => table !== 'user_data_keys');
  const entries = await Promise.all(
    tables.map(async (table) => {
      const column = table === 'users' ? 'id' : 'user_id';
      const { rows } = await pool.query(`SELECT * FROM ${table} WHERE ${column} = $1`, [userId]);
      return [table, rows] as const;
    }),
  );
  return Object.fromEntries(entries) as UserExport;
}

export interface ErasedRows {
  /** Rows deleted per table. */
  deleted: Partial<Record<UserTable, number>>;
  /** Decisions folded into erased_decision_counts. */
  decisionsAggregated: number;
}

/**
 * Folds the user's decisions into anonymous daily counts and deletes every row of the user, in one transaction:
 * a retry after a crash either finds everything or nothing left, so counts are never added twice.
 */
export async function eraseUserRows(pool: pg.Pool, userId: string): Promise<ErasedRows> {
  return withTransaction(pool, async (client) => {
    const { rows: counted } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM decisions WHERE user_id = $1',
      [userId],
    );
    await client.query(
      `INSERT INTO erased_decision_counts AS counts (day, category, outcome, reason, channel, decisions)
       SELECT (decided_at AT TIME ZONE 'UTC')::date, category, outcome, coalesce(reason, ''), coalesce(channel, ''),
              count(*)
       FROM decisions WHERE user_id = $1
       GROUP BY 1, 2, 3, 4, 5
       ON CONFLICT (day, category, outcome, reason, channel)
       DO UPDATE SET decisions = counts.decisions + EXCLUDED.decisions`,
      [userId],
    );
    const deleted: ErasedRows['deleted'] = {};
    for (const table of USER_TABLES) {
      if (KEPT_UNTIL_SHREDDING.includes(table)) continue;
      const column = table === 'users' ? 'id' : 'user_id';
      const { rowCount } = await client.query(`DELETE FROM ${table} WHERE ${column} = $1`, [userId]);
      deleted[table] = rowCount ?? 0;
    }
    return { deleted, decisionsAggregated: counted[0]?.n ?? 0 };
  });
}

export async function recordErasureRequested(pool: pg.Pool, userId: string, now: EpochMs): Promise<void> {
  await pool.query(
    `INSERT INTO erasures (subject_hash, requested_at) VALUES ($1, $2)
     ON CONFLICT (subject_hash) DO UPDATE SET requested_at = EXCLUDED.requested_at, completed_at = NULL`,
    [subjectHash(userId), toDate(now)],
  );
}

export async function recordErasureCompleted(
  pool: pg.Pool,
  userId: string,
  summary: Record<string, unknown>,
  now: EpochMs,
): Promise<void> {
  await pool.query(
    `INSERT INTO erasures (subject_hash, requested_at, completed_at, summary) VALUES ($1, $2, $2, $3)
     ON CONFLICT (subject_hash) DO UPDATE SET completed_at = EXCLUDED.completed_at, summary = EXCLUDED.summary`,
    [subjectHash(userId), toDate(now), JSON.stringify(summary)],
  );
}

export async function erasureStatus(
  pool: pg.Pool,
  userId: string,
): Promise<{ requestedAt: Date; completedAt: Date | null } | null> {
  const { rows } = await pool.query<{ requested_at: Date; completed_at: Date | null }>(
    'SELECT requested_at, completed_at FROM erasures WHERE subject_hash = $1',
    [subjectHash(userId)],
  );
  return rows[0] === undefined ? null : { requestedAt: rows[0].requested_at, completedAt: rows[0].completed_at };
}
