// Durable-first ingestion (migration 009, docs/ingestion.md): what the API accepted, queued for the user workflows.
// The API writes an accepted event and its idempotency row in one statement; a dispatcher (workers/dispatcher/)
// leases users' rows in order, signals them and marks them delivered; the reconciler re-drives delivered rows whose
// candidates have no outcome when the workflow that held them is gone.
import type { EpochMs } from '../domain/types';
import { DEFAULT_CLAIM_STALE_AFTER_MS, type ClaimOptions, type ClaimOutcome, type EventKey } from './events-accepted';
import { toDate, toEpochMs, type Queryable } from './sql';
import { durationMs, subMs, addMs } from '../domain/units';

export type IngestKind = 'event' | 'candidates' | 'profile' | 'preferences' | 'devices';

/** Kinds whose rows carry candidates, kept after delivery until each candidate has its outcome. */
const WITH_CANDIDATES = ['event', 'candidates'];

export interface AcceptedEventRow extends EventKey {
  /** The event as the client sent it (stored in full: it can be re-derived). */
  event: unknown;
  /** What the workflow receives (a UserEventSignal), or null when nothing in the workflow would change. */
  signal: unknown;
}

export interface QueueItem {
  userId: string;
  kind: IngestKind;
  itemId: string;
  payload: unknown;
}

export interface LeasedItem extends QueueItem {
  seq: number;
  /** Including this one. */
  attempts: number;
  acceptedAt: EpochMs;
}

export interface IngestLag {
  /** Rows not yet handed to a workflow. */
  undelivered: number;
  /** Age of the oldest of them (0 when none). */
  oldestAgeMs: number;
}

export interface LeaseOptions {
  now: EpochMs;
  leaseMs: number;
  /** Users leased at most. */
  users: number;
  /** Rows leased at most (a user's rows are leased as a prefix, in order). */
  rows: number;
}

// First key of the two-key advisory lock a dispatcher takes on a user while leasing its rows ("ti").
const LEASE_LOCK_NAMESPACE = 0x7469;
// Undelivered rows looked at per lease, oldest first: the users due are among their owners.
const LEASE_WINDOW = 5_000;

/** JSON for a jsonb parameter (cast in SQL), null stays null. */
function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

// A candidate of row `q` that has no outcome in the decision log.
const UNDECIDED_CANDIDATE = `SELECT 1 FROM jsonb_array_elements(COALESCE(q.payload->'candidates', '[]'::jsonb)) AS c
  WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.user_id = q.user_id AND d.candidate_id = c->>'id')`;

// New rows are due at once whatever the API's clock says (a sandbox's API runs on a skipped clock, its dispatcher on
// the wall clock): `next_attempt_at` starts at -infinity, and only the dispatcher's own backoff sets it.
export class IngestQueueRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Accepts events in one statement: their idempotency rows (with the full event) and, for those with a signal, their
   * queue rows in input order. In input order: `claimed` (accepted now), `applied` (a duplicate of an accepted id, or
   * repeated within the input) or `in-flight` (an older API version holds a fresh pending claim on it).
   */
  async acceptEvents(events: readonly AcceptedEventRow[], options: ClaimOptions): Promise<ClaimOutcome[]> {
    if (events.length === 0) return [];
    // The first occurrence of a key repeated within the input is the one accepted.
    const firsts = new Map<string, AcceptedEventRow>();
    for (const event of events) if (!firsts.has(keyOf(event))) firsts.set(keyOf(event), event);
    const distinct = [...firsts.values()];
    const staleBefore = subMs(options.now, durationMs(options.staleAfterMs ?? DEFAULT_CLAIM_STALE_AFTER_MS));
    const { rows } = await this.db.query<EventKey>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
           AS k (user_id, event_id, event, signal, ord)
       ), claimed AS (
         INSERT INTO events_accepted AS a (user_id, event_id, accepted_at, status, claim, event)
         SELECT user_id, event_id, $5, 'applied', NULL, event::jsonb FROM input
         ON CONFLICT (user_id, event_id) DO UPDATE
           SET accepted_at = EXCLUDED.accepted_at, status = 'applied', claim = NULL, event = EXCLUDED.event
           WHERE a.status = 'pending' AND a.accepted_at < $6
         RETURNING user_id, event_id
       ), queued AS (
         INSERT INTO ingest_queue (user_id, kind, item_id, payload, accepted_at, next_attempt_at)
         SELECT i.user_id, 'event', i.event_id, i.signal::jsonb, $5, '-infinity'
         FROM input i JOIN claimed c ON c.user_id = i.user_id AND c.event_id = i.event_id
         WHERE i.signal IS NOT NULL ORDER BY i.ord
         RETURNING seq
       )
       SELECT user_id AS "userId", event_id AS "eventId" FROM claimed`,
      [
        distinct.map((event) => event.userId),
        distinct.map((event) => event.eventId),
        distinct.map((event) => json(event.event)),
        distinct.map((event) => json(event.signal)),
        toDate(options.now),
        toDate(staleBefore),
      ],
    );
    const claimed = new Set(rows.map(keyOf));
    const others = distinct.filter((key) => !claimed.has(keyOf(key)));
    const pending = new Set<string>();
    if (others.length > 0) {
      const { rows: existing } = await this.db.query<EventKey>(
        `SELECT user_id AS "userId", event_id AS "eventId" FROM events_accepted
         WHERE status = 'pending' AND (user_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [others.map((key) => key.userId), others.map((key) => key.eventId)],
      );
      for (const row of existing) pending.add(keyOf(row));
    }
    const seen = new Set<string>();
    return events.map((event): ClaimOutcome => {
      const id = keyOf(event);
      if (seen.has(id)) return 'applied';
      seen.add(id);
      if (claimed.has(id)) return 'claimed';
      return pending.has(id) ? 'in-flight' : 'applied';
    });
  }

  /** Queues work for user workflows, in the order given. */
  async enqueue(items: readonly QueueItem[], now: EpochMs): Promise<void> {
    if (items.length === 0) return;
    await this.db.query(
      `INSERT INTO ingest_queue (user_id, kind, item_id, payload, accepted_at, next_attempt_at)
       SELECT user_id, kind, item_id, payload::jsonb, $5, '-infinity'
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS k (user_id, kind, item_id, payload, ord)
       ORDER BY ord`,
      [
        items.map((item) => item.userId),
        items.map((item) => item.kind),
        items.map((item) => item.itemId),
        items.map((item) => json(item.payload) ?? '{}'),
        toDate(now),
      ],
    );
  }

  /**
   * Leases the due users' undelivered rows, oldest first, each user's as a prefix in order. A user is due when its
   * oldest undelivered row is due and not leased; a leased user is skipped by every other dispatcher until its lease
   * ends (delivered, released, or expired because its dispatcher died).
   */
  async lease(options: LeaseOptions): Promise<LeasedItem[]> {
    const { rows } = await this.db.query<{
      seq: string;
      userId: string;
      kind: IngestKind;
      itemId: string;
      payload: unknown;
      attempts: number;
      acceptedAt: Date;
    }>(
      `WITH recent AS (
         SELECT seq, user_id, next_attempt_at, lease_until FROM ingest_queue
         WHERE delivered_at IS NULL ORDER BY seq LIMIT ${LEASE_WINDOW}
       ), heads AS (
         SELECT DISTINCT ON (user_id) user_id, seq, next_attempt_at, lease_until FROM recent ORDER BY user_id, seq
       ), due AS (
         SELECT user_id FROM heads
         WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
         ORDER BY seq LIMIT $2
       ), mine AS (
         SELECT user_id FROM due WHERE pg_try_advisory_xact_lock(${LEASE_LOCK_NAMESPACE}, hashtext(user_id))
       ), picked AS (
         SELECT q.seq FROM ingest_queue q
         WHERE q.user_id IN (SELECT user_id FROM mine) AND q.delivered_at IS NULL
           AND (q.lease_until IS NULL OR q.lease_until < $1)
         ORDER BY q.seq LIMIT $3
         FOR UPDATE OF q SKIP LOCKED
       )
       UPDATE ingest_queue q SET lease_until = $4, attempts = q.attempts + 1
       FROM picked WHERE q.seq = picked.seq
       RETURNING q.seq, q.user_id AS "userId", q.kind, q.item_id AS "itemId", q.payload, q.attempts,
         q.accepted_at AS "acceptedAt"`,
      [toDate(options.now), options.users, options.rows, toDate(addMs(options.now, durationMs(options.leaseMs)))],
    );
    return rows
      .map((row) => ({
        seq: Number(row.seq),
        userId: row.userId,
        kind: row.kind,
        itemId: row.itemId,
        payload: row.payload,
        attempts: row.attempts,
        acceptedAt: toEpochMs(row.acceptedAt),
      }))
      .sort((a, b) => a.seq - b.seq);
  }

  /**
   * These rows reached their workflows (`runIds`: the run each reached). Rows without candidates are done and go;
   * rows with candidates stay until every candidate has its outcome.
   */
  async markDelivered(delivered: readonly { seq: number; runId: string | null }[], now: EpochMs): Promise<void> {
    if (delivered.length === 0) return;
    await this.db.query(
      `WITH done AS (
         SELECT * FROM unnest($1::bigint[], $2::text[]) AS d (seq, run_id)
       ), gone AS (
         DELETE FROM ingest_queue q USING done WHERE q.seq = done.seq AND q.kind <> ALL($4::text[])
       )
       UPDATE ingest_queue q SET delivered_at = $3, run_id = done.run_id, lease_until = NULL, last_error = NULL
       FROM done WHERE q.seq = done.seq AND q.kind = ANY($4::text[])`,
      [delivered.map((d) => d.seq), delivered.map((d) => d.runId), toDate(now), WITH_CANDIDATES],
    );
  }

  /** Gives up the lease on these rows; the first of them (`failed`) is retried at `retryAt`, the rest after it. */
  async release(seqs: readonly number[], failed?: { seq: number; error: string; retryAt: EpochMs }): Promise<void> {
    if (seqs.length === 0) return;
    await this.db.query(
      `UPDATE ingest_queue SET lease_until = NULL,
         next_attempt_at = CASE WHEN seq = $2 THEN $3 ELSE next_attempt_at END,
         last_error = CASE WHEN seq = $2 THEN $4 ELSE last_error END
       WHERE seq = ANY($1::bigint[])`,
      [seqs, failed?.seq ?? null, failed ? toDate(failed.retryAt) : null, failed?.error.slice(0, 500) ?? null],
    );
  }

  async lag(now: EpochMs): Promise<IngestLag> {
    const { rows } = await this.db.query<{ undelivered: number; oldest: Date | null }>(
      `SELECT count(*)::int AS undelivered, min(accepted_at) AS oldest FROM ingest_queue WHERE delivered_at IS NULL`,
    );
    const row = rows[0];
    return {
      undelivered: row?.undelivered ?? 0,
      oldestAgeMs: row?.oldest ? Math.max(0, now - row.oldest.getTime()) : 0,
    };
  }

  /** How many of the user's accepted items have not reached their workflow yet. */
  async undeliveredFor(userId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ingest_queue WHERE user_id = $1 AND delivered_at IS NULL',
      [userId],
    );
    return rows[0]?.n ?? 0;
  }

  /** Users with rows delivered before `before` that still carry a candidate without an outcome, after `afterUser`. */
  async usersWithUndecided(before: EpochMs, limit: number, afterUser = ''): Promise<string[]> {
    const { rows } = await this.db.query<{ userId: string }>(
      `SELECT DISTINCT q.user_id AS "userId" FROM ingest_queue q
       WHERE q.delivered_at IS NOT NULL AND q.delivered_at < $1 AND q.kind = ANY($4::text[]) AND q.user_id > $3
         AND EXISTS (${UNDECIDED_CANDIDATE})
       ORDER BY 1 LIMIT $2`,
      [toDate(before), limit, afterUser, WITH_CANDIDATES],
    );
    return rows.map((row) => row.userId);
  }

  /**
   * Queues again a user's delivered rows whose candidates have no outcome, keeping only those candidates, in their
   * original order; with `exceptRun`, only rows known to have reached another run (a fresh run re-drives what a lost
   * run held).
   * Returns how many rows.
   */
  async redrive(userId: string, exceptRun?: string): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE ingest_queue q SET delivered_at = NULL, run_id = NULL, next_attempt_at = '-infinity', attempts = 0,
         redriven = q.redriven + 1,
         payload = jsonb_set(q.payload, '{candidates}', COALESCE((
           SELECT jsonb_agg(c ORDER BY ord) FROM jsonb_array_elements(q.payload->'candidates') WITH ORDINALITY AS x (c, ord)
           WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.user_id = q.user_id AND d.candidate_id = c->>'id')
         ), '[]'::jsonb))
       WHERE q.user_id = $1 AND q.delivered_at IS NOT NULL AND q.kind = ANY($3::text[])
         AND ($2::text IS NULL OR (q.run_id IS NOT NULL AND q.run_id <> $2))
         AND EXISTS (${UNDECIDED_CANDIDATE})`,
      [userId, exceptRun ?? null, WITH_CANDIDATES],
    );
    return rowCount ?? 0;
  }

  /** Drops delivered rows whose candidates all have their outcome. Returns how many. */
  async prune(): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM ingest_queue q WHERE q.delivered_at IS NOT NULL AND NOT EXISTS (${UNDECIDED_CANDIDATE})`,
    );
    return rowCount ?? 0;
  }
}

function keyOf(key: EventKey): string {
  return JSON.stringify([key.userId, key.eventId]);
}
