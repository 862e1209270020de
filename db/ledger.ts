// The delivery ledger: one row per (user, notification, endpoint), claimed before sending, so that a
// retried delivery activity never sends the same notification to the same endpoint twice.
import type { DeliveryLedger, LedgerEntry, LedgerKey, LedgerStatus } from '../domain/ports';
import type { Channel, EpochMs } from '../domain/types';
import { LedgerConflictError } from './errors';
import { toDate, toEpochMs, type Queryable } from './sql';

interface LedgerRow {
  user_id: string;
  notification_id: string;
  endpoint_key: string;
  channel: Channel;
  status: LedgerStatus;
  provider_message_id: string | null;
  error: string | null;
  updated_at: Date;
}

const COLUMNS = 'user_id, notification_id, endpoint_key, channel, status, provider_message_id, error, updated_at';
/** Outcomes that are final: the entry no longer changes. */
const FINAL: readonly LedgerStatus[] = ['sent', 'failed_permanent'];

export class LedgerRepository implements DeliveryLedger {
  constructor(private readonly db: Queryable) {}

  async claim(
    entry: Omit<LedgerEntry, 'status' | 'updatedAt'>,
    now: EpochMs,
    inFlightSince?: EpochMs,
  ): Promise<LedgerEntry | null> {
    // The conflicting row is locked while the WHERE is checked: of concurrent claims, exactly one takes it over.
    const claimed = await this.db.query(
      `INSERT INTO delivery_ledger (user_id, notification_id, endpoint_key, channel, status, created_at, updated_at)
       VALUES ($6, $1, $2, $3, 'pending', $4, $4)
       ON CONFLICT (notification_id, user_id, endpoint_key) DO UPDATE
         SET status = 'pending', provider_message_id = NULL, error = NULL, updated_at = EXCLUDED.updated_at
         WHERE $5::timestamptz IS NOT NULL
           AND (delivery_ledger.status = 'failed_retryable'
                OR (delivery_ledger.status = 'pending' AND delivery_ledger.updated_at < $5::timestamptz))`,
      [
        entry.notificationId,
        entry.endpointKey,
        entry.channel,
        toDate(now),
        inFlightSince === undefined ? null : toDate(inFlightSince),
        entry.userId,
      ],
    );
    if (claimed.rowCount === 1) return null;
    // Entries are never deleted, so the conflicting row is still there.
    return (await this.get(entry))!;
  }

  /**
   * Records how a claimed delivery went. A final entry (`sent`, `failed_permanent`) accepts only the
   * same status again (a retried activity repeating itself); changing it throws LedgerConflictError.
   */
  async markOutcome(
    key: LedgerKey,
    outcome: Pick<LedgerEntry, 'status' | 'providerMessageId' | 'error'>,
    now: EpochMs,
  ): Promise<void> {
    const { notificationId, endpointKey } = key;
    const updated = await this.db.query(
      `UPDATE delivery_ledger SET status = $3, provider_message_id = $4, error = $5, updated_at = $6
       WHERE notification_id = $1 AND endpoint_key = $2 AND user_id = $8 AND NOT (status = ANY($7::text[]))`,
      [
        notificationId,
        endpointKey,
        outcome.status,
        outcome.providerMessageId ?? null,
        outcome.error ?? null,
        toDate(now),
        FINAL,
        key.userId,
      ],
    );
    if (updated.rowCount === 1) return;
    const existing = await this.get(key);
    if (existing === null) {
      throw new LedgerConflictError('markOutcome without a claim: claim the notification and endpoint first');
    }
    if (existing.status !== outcome.status) {
      throw new LedgerConflictError(
        `delivery of ${notificationId} to ${endpointKey} already ended as ${existing.status}; cannot change it to ${outcome.status}`,
      );
    }
  }

  async list(notificationId: string, userId?: string): Promise<LedgerEntry[]> {
    const { rows } = await this.db.query<LedgerRow>(
      `SELECT ${COLUMNS} FROM delivery_ledger WHERE notification_id = $1 AND ($2::text IS NULL OR user_id = $2)
       ORDER BY created_at, user_id, endpoint_key`,
      [notificationId, userId ?? null],
    );
    return rows.map(fromRow);
  }

  private async get(key: LedgerKey): Promise<LedgerEntry | null> {
    const { rows } = await this.db.query<LedgerRow>(
      `SELECT ${COLUMNS} FROM delivery_ledger WHERE notification_id = $1 AND endpoint_key = $2 AND user_id = $3`,
      [key.notificationId, key.endpointKey, key.userId],
    );
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }
}

function fromRow(row: LedgerRow): LedgerEntry {
  return {
    userId: row.user_id,
    notificationId: row.notification_id,
    endpointKey: row.endpoint_key,
    channel: row.channel,
    status: row.status,
    ...(row.provider_message_id === null ? {} : { providerMessageId: row.provider_message_id }),
    ...(row.error === null ? {} : { error: row.error }),
    updatedAt: toEpochMs(row.updated_at),
  };
}
