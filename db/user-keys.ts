// Storage of per-user data keys (wrapped under a master key; the crypto lives in codec/). Deleting a user's row
// shreds their key: whatever was sealed with it can no longer be opened.
import type pg from 'pg';
import { toDate, withTransaction } from './sql';
import type { EpochMs } from '../domain/types';

export interface StoredUserKey {
  userId: string;
  keyId: string;
  masterKeyId: string;
  wrappedKey: Uint8Array;
}

interface Row {
  user_id: string;
  key_id: string;
  master_key_id: string;
  wrapped_key: Buffer;
}

const fromRow = (row: Row): StoredUserKey => ({
  userId: row.user_id,
  keyId: row.key_id,
  masterKeyId: row.master_key_id,
  wrappedKey: new Uint8Array(row.wrapped_key),
});

export class UserKeyRepository {
  constructor(private readonly pool: pg.Pool) {}

  async findByUser(userId: string): Promise<StoredUserKey | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM user_data_keys WHERE user_id = $1', [userId]);
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }

  async findByKeyId(keyId: string): Promise<StoredUserKey | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM user_data_keys WHERE key_id = $1', [keyId]);
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }

  /** Stores `candidate` unless the user already has a key; returns the key that is stored (theirs or the new one). */
  async insertOrGet(candidate: StoredUserKey, now: EpochMs): Promise<StoredUserKey> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO user_data_keys (user_id, key_id, master_key_id, wrapped_key, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING RETURNING *`,
      [candidate.userId, candidate.keyId, candidate.masterKeyId, Buffer.from(candidate.wrappedKey), toDate(now)],
    );
    if (rows[0] !== undefined) return fromRow(rows[0]);
    const existing = await this.findByUser(candidate.userId);
    if (existing === null)
      throw new Error('a user data key vanished while it was being created (shredded concurrently)');
    return existing;
  }

  async isShredded(keyId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM shredded_data_keys WHERE key_id = $1', [keyId]);
    return rowCount !== 0;
  }

  /** Deletes the user's key and remembers its id as shredded; the shredded key id, or null when there was none. */
  async shred(userId: string, now: EpochMs): Promise<string | null> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ key_id: string }>(
        'DELETE FROM user_data_keys WHERE user_id = $1 RETURNING key_id',
        [userId],
      );
      const keyId = rows[0]?.key_id;
      if (keyId === undefined) return null;
      await client.query(
        'INSERT INTO shredded_data_keys (key_id, shredded_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [keyId, toDate(now)],
      );
      return keyId;
    });
  }
}
