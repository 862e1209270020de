// Adapter: db/notification-events.ts records an event but cannot forget one. The API needs that to
// undo a recorded receipt whose signal could not be sent (Temporal unavailable), so that the
// client's retry is applied instead of being taken for a duplicate.
import type { Queryable } from '../../db/sql';
import type { NotificationEventType } from '../../domain/types';

export async function forgetNotificationEvent(
  db: Queryable,
  notificationId: string,
  type: NotificationEventType,
): Promise<void> {
  await db.query('DELETE FROM notification_events WHERE notification_id = $1 AND type = $2', [notificationId, type]);
}
