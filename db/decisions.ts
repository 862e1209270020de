// The decision log: one row per candidate outcome, read newest first by the API and by ops.
import type { DecisionStore } from '../domain/ports';
import type {
  CandidateSource,
  Category,
  Channel,
  Decision,
  EpochMs,
  NotificationEventType,
  Provenance,
  SuppressionReason,
} from '../domain/types';
import { SUPPRESSION_REASONS } from '../domain/types';
import { InvalidCursorError } from './errors';
import type { ReceiptTimes } from './notification-events';
import { toDate, toEpochMs, type Queryable } from './sql';
import { present } from '../domain/present';
import { epochMs } from '../domain/units';

/** `sent`, `suppressed` (any reason), or one suppression reason. */
export type DecisionFilter = 'sent' | 'suppressed' | SuppressionReason;
export const DECISION_FILTERS: readonly DecisionFilter[] = ['sent', 'suppressed', ...SUPPRESSION_REASONS];

/** Provenance fields the log filters on (all given must match). */
export interface ProvenanceFilter {
  source?: CandidateSource;
  sourceId?: string;
  template?: string;
  experiment?: string;
  variant?: string;
}

/** Whether a decision matches the filter (for decisions not in the database yet). */
export function matchesProvenance(decision: Decision, filter: ProvenanceFilter | undefined): boolean {
  if (filter === undefined) return true;
  const p = decision.provenance;
  return (Object.keys(filter) as (keyof ProvenanceFilter)[]).every(
    (key) => filter[key] === undefined || p?.[key] === filter[key],
  );
}

export const DEFAULT_PAGE_SIZE = 50;
const MAX_BIGINT = 2n ** 63n - 1n;
export const MAX_PAGE_SIZE = 500;

/**
 * A decision as the log holds it. A `sent` decision carries its notification's receipts (empty until the first
 * comes back); a suppression has none.
 */
export type LoggedDecision = Decision & { receipts?: ReceiptTimes };

export interface DecisionPage {
  decisions: LoggedDecision[];
  /** Pass back to get the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** A row's place in the log's order (newest first): its decision time, then its identity as tie-breaker. */
export interface LogPosition {
  decidedAt: EpochMs;
  /** The row's identity (bigint as text); LAST_LOG_ID stands after every row of that instant. */
  id: string;
}

/** An id above every row's: a position with it is before every row decided at the same instant. */
export const LAST_LOG_ID = MAX_BIGINT.toString();

export interface PositionedDecision {
  decision: LoggedDecision;
  position: LogPosition;
}

/** A notification id sent to more than one user, named without its user. */
export class AmbiguousNotificationError extends Error {
  constructor(readonly notificationId: string) {
    super(`notification ${notificationId} was sent to more than one user: name the user`);
    this.name = 'AmbiguousNotificationError';
  }
}

export interface SentNotification {
  userId: string;
  category: Category;
  channel: Channel;
  sentAt: EpochMs;
}

interface DecisionRow {
  /** The row's identity as text (bigint), the tie-breaker of the page order. */
  seq: string;
  candidate_id: string;
  category: Category;
  outcome: 'sent' | 'suppressed';
  channel: Channel | null;
  reason: SuppressionReason | null;
  detail: string | null;
  decided_at: Date;
  source: CandidateSource;
  source_id: string | null;
  template: string | null;
  experiment: string | null;
  variant: string | null;
  config_version: string | null;
  journey: string | null;
  journey_step: string | null;
  delivered_at: Date | null;
  opened_at: Date | null;
  engaged_at: Date | null;
  converted_at: Date | null;
}

export class DecisionRepository implements DecisionStore {
  constructor(private readonly db: Queryable) {}

  /** Idempotent on (userId, candidateId): the first outcome recorded for a candidate stands. */
  async recordDecisions(userId: string, decisions: Decision[]): Promise<void> {
    if (decisions.length === 0) return;
    await this.db.query(
      `INSERT INTO decisions (user_id, candidate_id, category, outcome, channel, reason, detail, decided_at,
                              source, source_id, template, experiment, variant, config_version,
                              business_value, candidate_created_at, scored_by, journey, journey_step)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                                $14::text[], $15::real[], $16::timestamptz[], $17::text[], $18::text[], $19::text[])
       ON CONFLICT (user_id, candidate_id) DO NOTHING`,
      [
        userId,
        decisions.map((d) => d.candidateId),
        decisions.map((d) => d.category),
        decisions.map((d) => d.outcome.kind),
        decisions.map((d) => (d.outcome.kind === 'sent' ? d.outcome.channel : null)),
        decisions.map((d) => (d.outcome.kind === 'suppressed' ? d.outcome.reason : null)),
        decisions.map((d) => (d.outcome.kind === 'suppressed' ? (d.outcome.detail ?? null) : null)),
        decisions.map((d) => toDate(d.outcome.at)),
        // A decision without provenance predates it: its candidate came from an event.
        decisions.map((d) => d.provenance?.source ?? 'event'),
        decisions.map((d) => d.provenance?.sourceId ?? null),
        decisions.map((d) => d.provenance?.template ?? d.sent?.template ?? null),
        decisions.map((d) => d.provenance?.experiment ?? null),
        decisions.map((d) => d.provenance?.variant ?? null),
        decisions.map((d) => d.configVersion ?? null),
        decisions.map((d) => d.sent?.businessValue ?? null),
        decisions.map((d) => (d.sent === undefined ? null : toDate(d.sent.candidateCreatedAt))),
        decisions.map((d) => d.sent?.scoredBy ?? null),
        decisions.map((d) => d.provenance?.journey?.name ?? null),
        decisions.map((d) => d.provenance?.journey?.step ?? null),
      ],
    );
  }

  /** A user's decisions, newest first, optionally only one outcome or reason; sends with their receipts. */
  async list(
    userId: string,
    options: {
      limit?: number;
      cursor?: string | undefined;
      outcome?: DecisionFilter | undefined;
      provenance?: ProvenanceFilter | undefined;
    } = {},
  ): Promise<DecisionPage> {
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    const { entries, more } = await this.listBefore(userId, {
      limit,
      before: options.cursor === undefined ? null : decodeLogCursor(options.cursor),
      outcome: options.outcome,
      provenance: options.provenance,
    });
    const last = entries.at(-1);
    return {
      decisions: entries.map((entry) => entry.decision),
      ...(more && last !== undefined ? { nextCursor: encodeLogCursor(last.position) } : {}),
    };
  }

  /**
   * Up to `limit` decisions older than `before` (null: the newest), newest first, each with its position;
   * `more` tells whether older ones remain. One indexed query: receipts come by a join on (id, user).
   */
  async listBefore(
    userId: string,
    options: {
      limit: number;
      before: LogPosition | null;
      outcome?: DecisionFilter | undefined;
      provenance?: ProvenanceFilter | undefined;
    },
  ): Promise<{ entries: PositionedDecision[]; more: boolean }> {
    const { limit, before } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    if (options.outcome !== undefined && !DECISION_FILTERS.includes(options.outcome)) {
      throw new RangeError(`outcome must be one of: ${DECISION_FILTERS.join(', ')}`);
    }
    const outcome = options.outcome === 'sent' || options.outcome === 'suppressed' ? options.outcome : null;
    const reason = outcome === null && options.outcome !== undefined ? options.outcome : null;
    const { rows } = await this.db.query<DecisionRow>(
      `SELECT d.id::text AS seq, d.candidate_id, d.category, d.outcome, d.channel, d.reason, d.detail, d.decided_at,
              d.source, d.source_id, d.template, d.experiment, d.variant, d.config_version, d.journey, d.journey_step, r.delivered_at, r.opened_at, r.engaged_at, r.converted_at
       FROM (
         SELECT * FROM decisions
         WHERE user_id = $1
           AND ($2::text IS NULL OR outcome = $2)
           AND ($3::text IS NULL OR reason = $3)
           AND ($4::timestamptz IS NULL OR (decided_at, id) < ($4, $5::bigint))
           AND ($7::text IS NULL OR source = $7) AND ($8::text IS NULL OR source_id = $8)
           AND ($9::text IS NULL OR template = $9) AND ($10::text IS NULL OR experiment = $10)
           AND ($11::text IS NULL OR variant = $11)
         ORDER BY decided_at DESC, id DESC
         LIMIT $6
       ) AS d
       LEFT JOIN LATERAL (
         SELECT min(e.occurred_at) FILTER (WHERE e.type = 'delivered') AS delivered_at,
                min(e.occurred_at) FILTER (WHERE e.type = 'opened') AS opened_at,
                min(e.occurred_at) FILTER (WHERE e.type = 'engaged') AS engaged_at,
                min(e.occurred_at) FILTER (WHERE e.type = 'converted') AS converted_at
         FROM notification_events AS e
         WHERE e.notification_id = d.candidate_id AND e.user_id = d.user_id
       ) AS r ON d.outcome = 'sent'
       ORDER BY d.decided_at DESC, d.id DESC`,
      [
        userId,
        outcome,
        reason,
        before && toDate(before.decidedAt),
        before?.id ?? null,
        limit + 1,
        options.provenance?.source ?? null,
        options.provenance?.sourceId ?? null,
        options.provenance?.template ?? null,
        options.provenance?.experiment ?? null,
        options.provenance?.variant ?? null,
      ],
    );
    return {
      entries: rows.slice(0, limit).map((row) => ({
        decision: fromRow(row),
        position: { decidedAt: toEpochMs(row.decided_at), id: row.seq },
      })),
      more: rows.length > limit,
    };
  }

  /** Which of these candidates of the user already have their outcome in the log. */
  async recordedAmong(userId: string, candidateIds: readonly string[]): Promise<Set<string>> {
    if (candidateIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ candidate_id: string }>(
      'SELECT candidate_id FROM decisions WHERE user_id = $1 AND candidate_id = ANY($2::text[])',
      [userId, [...new Set(candidateIds)]],
    );
    return new Set(rows.map((row) => row.candidate_id));
  }

  /**
   * A sent notification (the sent candidate's id), for receipts. With `userId`, that user's; without, the one
   * user it went to: candidate ids are unique per user only, so an id sent to several users throws
   * AmbiguousNotificationError (the caller must name the user).
   */
  async findSent(notificationId: string, userId?: string): Promise<SentNotification | null> {
    const { rows } = await this.db.query<{ user_id: string; category: Category; channel: Channel; decided_at: Date }>(
      `SELECT user_id, category, channel, decided_at FROM decisions
       WHERE candidate_id = $1 AND outcome = 'sent' AND ($2::text IS NULL OR user_id = $2)
       LIMIT 2`,
      [notificationId, userId ?? null],
    );
    if (rows.length > 1) throw new AmbiguousNotificationError(notificationId);
    const row = rows[0];
    return row === undefined
      ? null
      : { userId: row.user_id, category: row.category, channel: row.channel, sentAt: toEpochMs(row.decided_at) };
  }
}

function fromRow(row: DecisionRow): LoggedDecision {
  const at = toEpochMs(row.decided_at);
  // A row recorded without provenance (an older caller; the migration could not name its template) shows none.
  const provenance: Provenance | null =
    row.template === null
      ? null
      : {
          source: row.source,
          ...(row.source_id === null ? {} : { sourceId: row.source_id }),
          ...(row.journey === null ? {} : { journey: { name: row.journey, step: row.journey_step ?? '' } }),
          template: row.template,
          ...(row.experiment === null ? {} : { experiment: row.experiment }),
          ...(row.variant === null ? {} : { variant: row.variant }),
        };
  const base = {
    candidateId: row.candidate_id,
    category: row.category,
    ...(provenance === null ? {} : { provenance }),
    ...(row.config_version === null ? {} : { configVersion: row.config_version }),
  };
  if (row.outcome === 'suppressed') {
    return {
      ...base,
      outcome: {
        kind: 'suppressed',
        reason: present(row.reason, 'reason of a suppressed row'),
        at,
        ...(row.detail === null ? {} : { detail: row.detail }),
      },
    };
  }
  const receipts: ReceiptTimes = {};
  const times = {
    delivered: row.delivered_at,
    opened: row.opened_at,
    engaged: row.engaged_at,
    converted: row.converted_at,
  };
  for (const [type, time] of Object.entries(times) as [NotificationEventType, Date | null][]) {
    if (time !== null) receipts[type] = toEpochMs(time);
  }
  return { ...base, outcome: { kind: 'sent', channel: present(row.channel, 'channel of a sent row'), at }, receipts };
}

/** The opaque form of a position, as the API hands it out. */
export function encodeLogCursor(position: LogPosition): string {
  return Buffer.from(`${position.decidedAt}.${position.id}`).toString('base64url');
}

/** Throws InvalidCursorError for anything encodeLogCursor did not make. */
export function decodeLogCursor(text: string): LogPosition {
  const match = /^(\d{1,15})\.(\d{1,19})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  const id = match?.[2];
  if (match === null || id === undefined || BigInt(id) > MAX_BIGINT) throw new InvalidCursorError();
  return { decidedAt: epochMs(Number(match[1])), id };
}
