// Catalog/policy versions (docs/catalog.md "Versions"): each process stores the version it runs with at start-up;
// the newest activation is current, and its activation time orders versions for the workflows that adopt them.
import type { EpochMs } from '../domain/types';
import { toDate, toEpochMs, withTransaction } from './sql';
import type pg from 'pg';
import { addMs, durationMs, maxOf } from '../domain/units';

export interface StoredConfigVersion {
  id: string;
  activatedAt: EpochMs;
}

/**
 * Records this version and makes it current: a version already current keeps its activation time (every process of a
 * deployment agrees on it); one that is not (new, or rolled back to) is activated now. Returns its activation time.
 */
export async function activateConfigVersion(
  pool: pg.Pool,
  version: { id: string; content: unknown },
  now: EpochMs,
): Promise<StoredConfigVersion> {
  return withTransaction(pool, async (client) => {
    // One activation at a time, so two processes starting together agree on what is current.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('tact.config_versions'))");
    const { rows: current } = await client.query<{ id: string; activated_at: Date }>(
      'SELECT id, activated_at FROM config_versions ORDER BY activated_at DESC LIMIT 1',
    );
    const latest = current[0];
    if (latest !== undefined && latest.id === version.id) {
      return { id: latest.id, activatedAt: toEpochMs(latest.activated_at) };
    }
    const at = maxOf(now, latest === undefined ? now : addMs(toEpochMs(latest.activated_at), durationMs(1)));
    await client.query(
      `INSERT INTO config_versions (id, content, created_at, activated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (id) DO UPDATE SET activated_at = EXCLUDED.activated_at`,
      [version.id, JSON.stringify(version.content), toDate(at)],
    );
    return { id: version.id, activatedAt: at };
  });
}

/** The current version's id and activation, or null before any process stored one. */
export async function currentConfigVersion(pool: pg.Pool): Promise<StoredConfigVersion | null> {
  const { rows } = await pool.query<{ id: string; activated_at: Date }>(
    'SELECT id, activated_at FROM config_versions ORDER BY activated_at DESC LIMIT 1',
  );
  const row = rows[0];
  return row === undefined ? null : { id: row.id, activatedAt: toEpochMs(row.activated_at) };
}
