// The decision log: one row per candidate outcome, read newest first by the API and by ops.
import type { DecisionStore } from '../domain/ports';
import type { Category, Channel, Decision, EpochMs, SuppressionReason } from '../domain/types';
import { SUPPRESSION_REASONS } from '../domain/types';
import { InvalidCursorError } from './errors';
import { toDate, toEpochMs, type Queryable } from './sql';

/** `sent`, `suppressed` (any reason), or one suppression reason. */
export type DecisionFilter = 'sent' | 'suppressed' | SuppressionReason;
export const DECISION_FILTERS: readonly DecisionFilter[] = ['sent', 'suppressed', ...SUPPRESSION_REASONS];

export const DEFAULT_PAGE_SIZE = 50;
const MAX_BIGINT = 2n ** 63n - 1n;
export const MAX_PAGE_SIZE = 500;

export interface DecisionPage {
  decisions: Decision[];
  /** Pass back to get the next (older) page; absent on the last page. */
  nextCursor?: string;
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
}

export class DecisionRepository implements DecisionStore {
  constructor(private readonly db: Queryable) {}

  /** Idempotent on (userId, candidateId): the first outcome recorded for a candidate stands. */
  async recordDecisions(userId: string, decisions: Decision[]): Promise<void> {
    if (decisions.length === 0) return;
    await this.db.query(
      `INSERT INTO decisions (user_id, candidate_id, category, outcome, channel, reason, detail, decided_at)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
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
      ],
    );
  }

  /** A user's decisions, newest first, optionally only one outcome or reason. */
  async list(
    userId: string,
    options: { limit?: number; cursor?: string; outcome?: DecisionFilter } = {},
  ): Promise<DecisionPage> {
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    if (options.outcome !== undefined && !DECISION_FILTERS.includes(options.outcome)) {
      throw new RangeError(`outcome must be one of: ${DECISION_FILTERS.join(', ')}`);
    }
    const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
    const outcome = options.outcome === 'sent' || options.outcome === 'suppressed' ? options.outcome : null;
    const reason = outcome === null && options.outcome !== undefined ? options.outcome : null;
    const { rows } = await this.db.query<DecisionRow>(
      `SELECT id::text AS seq, candidate_id, category, outcome, channel, reason, detail, decided_at
       FROM decisions
       WHERE user_id = $1
         AND ($2::text IS NULL OR outcome = $2)
         AND ($3::text IS NULL OR reason = $3)
         AND ($4::timestamptz IS NULL OR (decided_at, id) < ($4, $5::bigint))
       ORDER BY decided_at DESC, id DESC
       LIMIT $6`,
      [userId, outcome, reason, after && toDate(after.decidedAt), after?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      decisions: page.map(fromRow),
      ...(rows.length > limit && last !== undefined
        ? { nextCursor: encodeCursor({ decidedAt: toEpochMs(last.decided_at), id: last.seq }) }
        : {}),
    };
  }

  /** The user a sent notification (the sent candidate's id) went to, for receipts that name only it. */
  async findSent(notificationId: string): Promise<SentNotification | null> {
    const { rows } = await this.db.query<{ user_id: string; category: Category; channel: Channel; decided_at: Date }>(
      `SELECT user_id, category, channel, decided_at FROM decisions
       WHERE candidate_id = $1 AND outcome = 'sent'
       ORDER BY decided_at DESC LIMIT 1`,
      [notificationId],
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { userId: row.user_id, category: row.category, channel: row.channel, sentAt: toEpochMs(row.decided_at) };
  }
}

function fromRow(row: DecisionRow): Decision {
  const at = toEpochMs(row.decided_at);
  return {
    candidateId: row.candidate_id,
    category: row.category,
    outcome:
      row.outcome === 'sent'
        ? { kind: 'sent', channel: row.channel!, at }
        : { kind: 'suppressed', reason: row.reason!, at, ...(row.detail === null ? {} : { detail: row.detail }) },
  };
}

interface Cursor {
  decidedAt: EpochMs;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.decidedAt}.${cursor.id}`).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  const match = /^(\d{1,15})\.(\d{1,19})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (match === null || BigInt(match[2]!) > MAX_BIGINT) throw new InvalidCursorError();
  return { decidedAt: Number(match[1]), id: match[2]! };
}
