// User profiles: time zone, locale and the attributes campaign segments filter on (db/segments.ts).
import type { EpochMs, UserProfile } from '../domain/types';
import { toDate, toEpochMs, type Queryable } from './sql';
import { nth } from '../domain/present';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type UserAttributes = Record<string, JsonValue>;

export interface UserRecord extends UserProfile {
  id: string;
  attributes: UserAttributes;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export type UserInput = Pick<UserRecord, 'id' | 'timeZone' | 'locale' | 'attributes'>;

interface UserRow {
  id: string;
  time_zone: string;
  locale: string;
  attributes: UserAttributes;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, time_zone, locale, attributes, created_at, updated_at';

export class UserRepository {
  constructor(private readonly db: Queryable) {}

  /** Creates or replaces the profile; `created` tells which. */
  async upsert(user: UserInput, now: EpochMs): Promise<{ user: UserRecord; created: boolean }> {
    const { rows } = await this.db.query<UserRow & { created: boolean }>(
      `INSERT INTO users (id, time_zone, locale, attributes, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (id) DO UPDATE
         SET time_zone = EXCLUDED.time_zone, locale = EXCLUDED.locale,
             attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at
       RETURNING ${COLUMNS}, (xmax = 0) AS created`,
      [user.id, user.timeZone, user.locale, JSON.stringify(user.attributes), toDate(now)],
    );
    const row = nth(rows, 0);
    return { user: fromRow(row), created: row.created };
  }

  async get(id: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }

  async exists(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM users WHERE id = $1', [id]);
    return rowCount !== 0;
  }

  /** Deletes the profile with its preferences and endpoints; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM users WHERE id = $1', [id]);
    return rowCount !== 0;
  }
}

function fromRow(row: UserRow): UserRecord {
  return {
    id: row.id,
    timeZone: row.time_zone,
    locale: row.locale,
    attributes: row.attributes,
    createdAt: toEpochMs(row.created_at),
    updatedAt: toEpochMs(row.updated_at),
  };
}
