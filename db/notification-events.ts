// Receipts and engagement per notification: delivered, opened, engaged, converted. A notification is named by
// its id (the sent candidate's id) and its user: candidate ids are unique per user only.
import type { NotificationEventStore } from '../domain/ports';
import type { EpochMs, NotificationEvent, NotificationEventType } from '../domain/types';
import { toDate, toEpochMs, type Queryable } from './sql';

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
