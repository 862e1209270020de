// Idempotency of POST /v1/events: a client event id is accepted once per user.
import type { EpochMs } from '../domain/types';
import { toDate, type Queryable } from './sql';

export interface EventKey {
  userId: string;
  eventId: string;
}

export class AcceptedEventRepository {
  constructor(private readonly db: Queryable) {}

  /** True when this (user, event id) is new and now recorded; false for a repeat. */
  async accept(userId: string, eventId: string, now: EpochMs): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO events_accepted (user_id, event_id, accepted_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, event_id) DO NOTHING`,
      [userId, eventId, toDate(now)],
    );
    return rowCount === 1;
  }

  /**
   * Accepts a batch in one statement. Returns, in input order, whether each key is new: a key
   * seen before, or earlier in the same batch, is a repeat.
   */
  async acceptMany(keys: readonly EventKey[], now: EpochMs): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.db.query<EventKey>(
      `INSERT INTO events_accepted (user_id, event_id, accepted_at)
       SELECT user_id, event_id, $3 FROM unnest($1::text[], $2::text[]) AS k (user_id, event_id)
       ON CONFLICT (user_id, event_id) DO NOTHING
       RETURNING user_id AS "userId", event_id AS "eventId"`,
      [keys.map((key) => key.userId), keys.map((key) => key.eventId), toDate(now)],
    );
    const fresh = new Set(rows.map(keyOf));
    return keys.map((key) => fresh.delete(keyOf(key)));
  }

  /**
   * Forgets an accepted event so that the client's retry with the same id is applied: call it
   * when the event could not be handed on (e.g. Temporal unavailable, answered 503).
   */
  async release(userId: string, eventId: string): Promise<void> {
    await this.db.query('DELETE FROM events_accepted WHERE user_id = $1 AND event_id = $2', [userId, eventId]);
  }

  /** Drops ids accepted before `before`; repeats older than that are accepted again. Returns how many. */
  async prune(before: EpochMs): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM events_accepted WHERE accepted_at < $1', [toDate(before)]);
    return rowCount ?? 0;
  }
}

function keyOf(key: EventKey): string {
  return JSON.stringify([key.userId, key.eventId]);
}
