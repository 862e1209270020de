// Receipts and engagement per notification: delivered, opened, engaged, converted. A notification is named by
// its id (the sent candidate's id) and its user: candidate ids are unique per user only.
import { randomUUID } from 'node:crypto';
import type { NotificationEventStore } from '../domain/ports';
import type { EpochMs, NotificationEvent, NotificationEventType } from '../domain/types';
import { DEFAULT_CLAIM_STALE_AFTER_MS, type ClaimOptions, type ClaimOutcome } from './events-accepted';
import { toDate, toEpochMs, type Queryable } from './sql';
import { durationMs, subMs } from '../domain/units';

export interface StoredNotificationEvent extends NotificationEvent {
  userId: string;
}

/** When each receipt of one notification arrived (the first of each type). */
export type ReceiptTimes = Partial<Record<NotificationEventType, EpochMs>>;

export class NotificationEventRepository implements NotificationEventStore {
  constructor(private readonly db: Queryable) {}

  async recordNotificationEvent(userId: string, event: NotificationEvent): Promise<void> {
    await this.record(userId, event);
  }

  /** Stores the event; false when the user's notification already had an event of that type (kept as is). */
  async record(userId: string, event: NotificationEvent): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO notification_events (notification_id, user_id, type, occurred_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (notification_id, user_id, type) DO NOTHING`,
      [event.notificationId, userId, event.type, toDate(event.at)],
    );
    return rowCount === 1;
  }

  /**
   * Stores the event as `pending`, claimed by this caller, who signals it to the workflow and then calls
   * `markApplied` or `release` (same pattern and outcomes as AcceptedEventRepository.claim). A stale pending claim
   * (its request died before signalling) is taken over, keeping the first time reported.
   */
  async claim(
    userId: string,
    event: NotificationEvent,
    options: ClaimOptions,
  ): Promise<{ outcome: ClaimOutcome; claim: string }> {
    const claim = randomUUID();
    const staleBefore = subMs(options.now, durationMs(options.staleAfterMs ?? DEFAULT_CLAIM_STALE_AFTER_MS));
    const { rows } = await this.db.query<{ status: 'pending' | 'applied'; claim: string | null }>(
      `WITH claimed AS (
         INSERT INTO notification_events AS e (notification_id, user_id, type, occurred_at, recorded_at, status, claim)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6)
         ON CONFLICT (notification_id, user_id, type) DO UPDATE SET claim = EXCLUDED.claim, recorded_at = EXCLUDED.recorded_at
           WHERE e.status = 'pending' AND e.recorded_at < $7
         RETURNING status, claim)
       SELECT status, claim FROM claimed
       UNION ALL
       SELECT status, claim FROM notification_events
       WHERE notification_id = $1 AND user_id = $2 AND type = $3 AND NOT EXISTS (SELECT 1 FROM claimed)`,
      [event.notificationId, userId, event.type, toDate(event.at), toDate(options.now), claim, toDate(staleBefore)],
    );
    const row = rows[0];
    const outcome: ClaimOutcome =
      row?.claim === claim ? 'claimed' : row?.status === 'applied' ? 'applied' : 'in-flight';
    return { outcome, claim };
  }

  /** The signal went through. A claim taken over meanwhile is left to its new holder. */
  async markApplied(userId: string, notificationId: string, type: NotificationEventType, claim: string): Promise<void> {
    await this.db.query(
      `UPDATE notification_events SET status = 'applied', claim = NULL
       WHERE notification_id = $1 AND user_id = $2 AND type = $3 AND claim = $4`,
      [notificationId, userId, type, claim],
    );
  }

  /** The signal failed: forgets this caller's pending event, so that the client's retry records and signals it. */
  async release(userId: string, notificationId: string, type: NotificationEventType, claim: string): Promise<void> {
    await this.db.query(
      `DELETE FROM notification_events
       WHERE notification_id = $1 AND user_id = $2 AND type = $3 AND claim = $4 AND status = 'pending'`,
      [notificationId, userId, type, claim],
    );
  }

  /**
   * Forgets a recorded event, so that the same event can be recorded again: the undo of a `record` whose
   * hand-off to the workflow failed. False when there was none.
   */
  async delete(userId: string, notificationId: string, type: NotificationEventType): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'DELETE FROM notification_events WHERE notification_id = $1 AND user_id = $2 AND type = $3',
      [notificationId, userId, type],
    );
    return rowCount !== 0;
  }

  /** The receipts of some of a user's notifications; notifications without any are absent from the map. */
  async receiptsOf(userId: string, notificationIds: readonly string[]): Promise<Map<string, ReceiptTimes>> {
    const receipts = new Map<string, ReceiptTimes>();
    if (notificationIds.length === 0) return receipts;
    const { rows } = await this.db.query<{ notification_id: string; type: NotificationEventType; occurred_at: Date }>(
      `SELECT notification_id, type, occurred_at FROM notification_events
       WHERE notification_id = ANY($1::text[]) AND user_id = $2`,
      [[...new Set(notificationIds)], userId],
    );
    for (const row of rows) {
      const times = receipts.get(row.notification_id) ?? {};
      times[row.type] = toEpochMs(row.occurred_at);
      receipts.set(row.notification_id, times);
    }
    return receipts;
  }

  /** Events of one notification id (every user who had one by that id), oldest first. */
  async listByNotification(notificationId: string): Promise<StoredNotificationEvent[]> {
    const { rows } = await this.db.query<{
      user_id: string;
      type: NotificationEventType;
      occurred_at: Date;
    }>(
      `SELECT user_id, type, occurred_at FROM notification_events
       WHERE notification_id = $1 ORDER BY occurred_at, id`,
      [notificationId],
    );
    return rows.map((row) => ({
      notificationId,
      userId: row.user_id,
      type: row.type,
      at: toEpochMs(row.occurred_at),
    }));
  }
}
