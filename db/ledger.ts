// The delivery ledger: one row per (notification, endpoint), claimed before sending, so that a
// retried delivery activity never sends the same notification to the same endpoint twice.
import type { DeliveryLedger, LedgerEntry, LedgerStatus } from '../domain/ports';
import type { Channel, EpochMs } from '../domain/types';
import { LedgerConflictError } from './errors';
import { toDate, toEpochMs, type Queryable } from './sql';

interface LedgerRow {
  notification_id: string;
  endpoint_key: string;
  channel: Channel;
  status: LedgerStatus;
  provider_message_id: string | null;
  error: string | null;
  updated_at: Date;
}

const COLUMNS = 'notification_id, endpoint_key, channel, status, provider_message_id, error, updated_at';
/** Outcomes that are final: the entry no longer changes. */
const FINAL: readonly LedgerStatus[] = ['sent', 'failed_permanent'];

export class LedgerRepository implements DeliveryLedger {
  constructor(private readonly db: Queryable) {}

  async claim(entry: Omit<LedgerEntry, 'status' | 'updatedAt'>, now: EpochMs): Promise<LedgerEntry | null> {
    const inserted = await this.db.query(
      `INSERT INTO delivery_ledger (notification_id, endpoint_key, channel, status, created_at, updated_at)
       VALUES ($1, $2, $3, 'pending', $4, $4)
       ON CONFLICT (notification_id, endpoint_key) DO NOTHING`,
      [entry.notificationId, entry.endpointKey, entry.channel, toDate(now)],
    );
    if (inserted.rowCount === 1) return null;
    // Entries are never deleted, so the conflicting row is still there.
    return (await this.get(entry.notificationId, entry.endpointKey))!;
  }

  /**
   * Records how a claimed delivery went. A final entry (`sent`, `failed_permanent`) accepts only the
   * same status again (a retried activity repeating itself); changing it throws LedgerConflictError.
   */
  async markOutcome(
    notificationId: string,
    endpointKey: string,
    outcome: Pick<LedgerEntry, 'status' | 'providerMessageId' | 'error'>,
    now: EpochMs,
  ): Promise<void> {
    const updated = await this.db.query(
      `UPDATE delivery_ledger SET status = $3, provider_message_id = $4, error = $5, updated_at = $6
       WHERE notification_id = $1 AND endpoint_key = $2 AND NOT (status = ANY($7::text[]))`,
      [
        notificationId,
        endpointKey,
        outcome.status,
        outcome.providerMessageId ?? null,
        outcome.error ?? null,
        toDate(now),
        FINAL,
      ],
    );
    if (updated.rowCount === 1) return;
    const existing = await this.get(notificationId, endpointKey);
    if (existing === null) {
      throw new LedgerConflictError('markOutcome without a claim: claim the notification and endpoint first');
    }
    if (existing.status !== outcome.status) {
      throw new LedgerConflictError(
        `delivery of ${notificationId} to ${endpointKey} already ended as ${existing.status}; cannot change it to ${outcome.status}`,
      );
    }
  }

  async list(notificationId: string): Promise<LedgerEntry[]> {
    const { rows } = await this.db.query<LedgerRow>(
      `SELECT ${COLUMNS} FROM delivery_ledger WHERE notification_id = $1 ORDER BY created_at, endpoint_key`,
      [notificationId],
    );
    return rows.map(fromRow);
  }

  private async get(notificationId: string, endpointKey: string): Promise<LedgerEntry | null> {
    const { rows } = await this.db.query<LedgerRow>(
      `SELECT ${COLUMNS} FROM delivery_ledger WHERE notification_id = $1 AND endpoint_key = $2`,
      [notificationId, endpointKey],
    );
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }
}

function fromRow(row: LedgerRow): LedgerEntry {
  return {
    notificationId: row.notification_id,
    endpointKey: row.endpoint_key,
    channel: row.channel,
    status: row.status,
    ...(row.provider_message_id === null ? {} : { providerMessageId: row.provider_message_id }),
    ...(row.error === null ? {} : { error: row.error }),
    updatedAt: toEpochMs(row.updated_at),
  };
}
