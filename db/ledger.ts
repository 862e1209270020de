// The delivery ledger: one row per (user, notification, endpoint), claimed before sending, so that a
// retried delivery activity never sends the same notification to the same endpoint twice.
import type { DeliveryLedger, LedgerClaim, LedgerEntry, LedgerKey, LedgerStatus } from '../domain/ports';
import type { Channel, EpochMs } from '../domain/types';
import { LedgerConflictError } from './errors';
import { toDate, toEpochMs, type Queryable } from './sql';
import { present } from '../domain/present';

interface LedgerRow {
  user_id: string;
  notification_id: string;
  endpoint_key: string;
  channel: Channel;
  status: LedgerStatus;
  provider_message_id: string | null;
  client_reference: string | null;
  send_attempts: number;
  error: string | null;
  updated_at: Date;
}

const COLUMNS =
  'user_id, notification_id, endpoint_key, channel, status, provider_message_id, client_reference, send_attempts, error, updated_at';
/** Outcomes that are final: the entry no longer changes. */
const FINAL: readonly LedgerStatus[] = ['sent', 'failed_permanent'];

export class LedgerRepository implements DeliveryLedger {
  constructor(private readonly db: Queryable) {}

  async claim(
    entry: Omit<LedgerEntry, 'status' | 'updatedAt' | 'sendAttempts'>,
    now: EpochMs,
    inFlightSince?: EpochMs,
  ): Promise<LedgerClaim> {
    // The conflicting row is locked while the WHERE is checked: of concurrent claims, exactly one takes it over.
    const claimed = await this.db.query<{ send_attempts: number }>(
      `INSERT INTO delivery_ledger
         (user_id, notification_id, endpoint_key, channel, status, client_reference, send_attempts, created_at, updated_at)
       VALUES ($6, $1, $2, $3, 'pending', $7, 1, $4, $4)
       ON CONFLICT (notification_id, user_id, endpoint_key) DO UPDATE
         SET status = 'pending', provider_message_id = NULL, error = NULL, updated_at = EXCLUDED.updated_at,
             client_reference = COALESCE(EXCLUDED.client_reference, delivery_ledger.client_reference),
             send_attempts = delivery_ledger.send_attempts + 1
         WHERE $5::timestamptz IS NOT NULL
           AND (delivery_ledger.status = 'failed_retryable'
                OR (delivery_ledger.status = 'pending' AND delivery_ledger.updated_at < $5::timestamptz))
       RETURNING send_attempts`,
      [
        entry.notificationId,
        entry.endpointKey,
        entry.channel,
        toDate(now),
        inFlightSince === undefined ? null : toDate(inFlightSince),
        entry.userId,
        entry.clientReference ?? null,
      ],
    );
    const held = claimed.rows[0];
    if (held !== undefined) return { held: true, sendAttempts: held.send_attempts };
    // Entries are never deleted, so the conflicting row is still there.
    return { held: false, entry: present(await this.get(entry), 'the conflicting ledger row') };
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
    ...(row.client_reference === null ? {} : { clientReference: row.client_reference }),
    sendAttempts: row.send_attempts,
    ...(row.error === null ? {} : { error: row.error }),
    updatedAt: toEpochMs(row.updated_at),
  };
}
