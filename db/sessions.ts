// App sessions and engagement events, aggregated per user (domain/engagement.ts, docs/catalog.md "Engagement").
import { addSession, type SessionAggregate } from '../domain/engagement';
import type { EpochMs } from '../domain/types';
import { toDate, toEpochMs, withTransaction } from './sql';
import type pg from 'pg';

interface SessionRow {
  counts: number[];
  updated_at: Date;
  last_at: Date;
  sessions: string;
}

function fromRow(row: SessionRow): SessionAggregate {
  return {
    counts: row.counts,
    updatedAt: toEpochMs(row.updated_at),
    lastAt: toEpochMs(row.last_at),
    sessions: Number(row.sessions),
  };
}

export interface RecordedSessions {
  /** The aggregate before these sessions (null: none yet). */
  before: SessionAggregate | null;
  after: SessionAggregate;
}

export class SessionRepository {
  constructor(private readonly pool: pg.Pool) {}

  async load(userId: string): Promise<SessionAggregate | null> {
    const { rows } = await this.pool.query<SessionRow>(
      'SELECT counts, updated_at, last_at, sessions FROM user_sessions WHERE user_id = $1',
      [userId],
    );
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }

  /**
   * Adds sessions at these times (counted in `timeZone`) to the user's aggregate, atomically: concurrent requests
   * for one user serialize on the row. The user must exist (foreign key).
   */
  async record(userId: string, times: readonly EpochMs[], timeZone: string): Promise<RecordedSessions> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<SessionRow>(
        'SELECT counts, updated_at, last_at, sessions FROM user_sessions WHERE user_id = $1 FOR UPDATE',
        [userId],
      );
      const before = rows[0] === undefined ? null : fromRow(rows[0]);
      let after = before;
      for (const at of [...times].sort((a, b) => a - b)) after = addSession(after, at, timeZone);
      if (after === null) throw new RangeError('no session to record');
      await client.query(
        `INSERT INTO user_sessions (user_id, counts, updated_at, last_at, sessions) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET counts = EXCLUDED.counts, updated_at = EXCLUDED.updated_at,
           last_at = EXCLUDED.last_at, sessions = EXCLUDED.sessions`,
        [userId, JSON.stringify(after.counts), toDate(after.updatedAt), toDate(after.lastAt), after.sessions],
      );
      return { before, after };
    });
  }
}
