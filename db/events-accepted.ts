// Idempotency of POST /v1/events: a client event id is applied once per user. An id is first claimed (`pending`)
// by the request that signals it, and marked `applied` only after the signal went through (migration 004).
import { randomUUID } from 'node:crypto';
import type { EpochMs } from '../domain/types';
import { toDate, type Queryable } from './sql';
import { durationMs, subMs } from '../domain/units';

export interface EventKey {
  userId: string;
  eventId: string;
}

/**
 * What a claim found:
 * - `claimed`: this caller holds the id (new, or a stale pending claim taken over) and must signal it, then
 *   `markApplied` or `release` with `claim`;
 * - `applied`: a duplicate of an event already handed to the workflow;
 * - `in-flight`: another request holds a fresh claim and is signalling it now: answer "retry later".
 */
export type ClaimOutcome = 'claimed' | 'applied' | 'in-flight';

/** A pending claim older than this is taken for a crashed request: a repeat takes it over. */
export const DEFAULT_CLAIM_STALE_AFTER_MS = 60_000;

export interface ClaimOptions {
  now: EpochMs;
  /** Default DEFAULT_CLAIM_STALE_AFTER_MS; must exceed the longest time a request may spend signalling. */
  staleAfterMs?: number;
}

export interface Claims {
  /** The token of this request's claims (pass it to markApplied/release). */
  claim: string;
  /** In input order; a key repeated within the batch is `applied` (a duplicate of its first occurrence). */
  outcomes: ClaimOutcome[];
}

interface ClaimedRow {
  userId: string;
  eventId: string;
  status: 'pending' | 'applied';
  claim: string | null;
}

export class AcceptedEventRepository {
  constructor(private readonly db: Queryable) {}

  async claim(userId: string, eventId: string, options: ClaimOptions): Promise<Claims> {
    return this.claimMany([{ userId, eventId }], options);
  }

  /** Claims every key in one statement (plus one read of the keys it could not claim). */
  async claimMany(keys: readonly EventKey[], options: ClaimOptions): Promise<Claims> {
    const claim = randomUUID();
    if (keys.length === 0) return { claim, outcomes: [] };
    const distinct = [...new Map(keys.map((key) => [keyOf(key), key])).values()];
    const staleBefore = subMs(options.now, durationMs(options.staleAfterMs ?? DEFAULT_CLAIM_STALE_AFTER_MS));
    // A pending row whose claim is stale is taken over: its request died between insert and signal.
    const { rows: claimedRows } = await this.db.query<EventKey>(
      `INSERT INTO events_accepted AS a (user_id, event_id, accepted_at, status, claim)
       SELECT user_id, event_id, $3, 'pending', $4 FROM unnest($1::text[], $2::text[]) AS k (user_id, event_id)
       ON CONFLICT (user_id, event_id) DO UPDATE SET accepted_at = EXCLUDED.accepted_at, claim = EXCLUDED.claim
         WHERE a.status = 'pending' AND a.accepted_at < $5
       RETURNING user_id AS "userId", event_id AS "eventId"`,
      [
        distinct.map((key) => key.userId),
        distinct.map((key) => key.eventId),
        toDate(options.now),
        claim,
        toDate(staleBefore),
      ],
    );
    const claimed = new Set(claimedRows.map(keyOf));
    const others = distinct.filter((key) => !claimed.has(keyOf(key)));
    const existing = new Map<string, ClaimedRow['status']>();
    if (others.length > 0) {
      const { rows } = await this.db.query<ClaimedRow>(
        `SELECT user_id AS "userId", event_id AS "eventId", status, claim FROM events_accepted
         WHERE (user_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [others.map((key) => key.userId), others.map((key) => key.eventId)],
      );
      for (const row of rows) existing.set(keyOf(row), row.status);
    }
    const seen = new Set<string>();
    const outcomes = keys.map((key): ClaimOutcome => {
      const id = keyOf(key);
      if (seen.has(id)) return 'applied';
      seen.add(id);
      if (claimed.has(id)) return 'claimed';
      // Gone between the two statements (released by its claimant): still someone else's turn.
      return existing.get(id) === 'applied' ? 'applied' : 'in-flight';
    });
    return { claim, outcomes };
  }

  /** The signal went through: these keys are applied. Keys whose claim was taken over meanwhile are left as they are. */
  async markApplied(keys: readonly EventKey[], claim: string, now: EpochMs): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(
      `UPDATE events_accepted SET status = 'applied', claim = NULL, accepted_at = $4
       WHERE claim = $3 AND (user_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((key) => key.userId), keys.map((key) => key.eventId), claim, toDate(now)],
    );
  }

  /** The signal failed: forgets this request's claims on these keys, so that the client's retry applies them. */
  async releaseClaims(keys: readonly EventKey[], claim: string): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(
      `DELETE FROM events_accepted
       WHERE claim = $3 AND status = 'pending' AND (user_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((key) => key.userId), keys.map((key) => key.eventId), claim],
    );
  }

  /** Boolean form of `claim`: true when this call claimed the id. */
  async accept(userId: string, eventId: string, now: EpochMs): Promise<boolean> {
    return (await this.claim(userId, eventId, { now })).outcomes[0] === 'claimed';
  }

  /** Boolean form of `claimMany`: in input order, whether this call claimed each key. */
  async acceptMany(keys: readonly EventKey[], now: EpochMs): Promise<boolean[]> {
    return (await this.claimMany(keys, { now })).outcomes.map((outcome) => outcome === 'claimed');
  }

  /** Forgets a pending id whoever claimed it (an operator's undo); requests use `releaseClaims`. */
  async release(userId: string, eventId: string): Promise<void> {
    await this.db.query(`DELETE FROM events_accepted WHERE user_id = $1 AND event_id = $2 AND status = 'pending'`, [
      userId,
      eventId,
    ]);
  }

  /**
   * Drops ids accepted (applied, or claimed and never applied) before `before`; repeats older than that are accepted
   * again. Returns how many. The API runs it periodically (api/retention.ts).
   */
  async prune(before: EpochMs): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM events_accepted WHERE accepted_at < $1', [toDate(before)]);
    return rowCount ?? 0;
  }
}

function keyOf(key: EventKey): string {
  return JSON.stringify([key.userId, key.eventId]);
}
