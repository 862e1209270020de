// Receipts and engagement per notification: delivered, opened, engaged, converted.
import type { NotificationEventStore } from '../domain/ports';
import type { NotificationEvent, NotificationEventType } from '../domain/types';
import { toDate, toEpochMs, type Queryable } from './sql';

export interface StoredNotificationEvent extends NotificationEvent {
  userId: string;
}

export class NotificationEventRepository implements NotificationEventStore {
  constructor(private readonly db: Queryable) {}

  async recordNotificationEvent(userId: string, event: NotificationEvent): Promise<void> {
    await this.record(userId, event);
  }

  /** Stores the event; false when this notification already had an event of that type (kept as is). */
  async record(userId: string, event: NotificationEvent): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO notification_events (notification_id, user_id, type, occurred_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (notification_id, type) DO NOTHING`,
      [event.notificationId, userId, event.type, toDate(event.at)],
    );
    return rowCount === 1;
  }

  /** Events of one notification, oldest first. */
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
