// The dry-run outbox: what would have been delivered had provider credentials been configured.
import type { OutboxEntry, OutboxStore } from '../domain/ports';
import type { Channel } from '../domain/types';
import { toDate, toEpochMs, type Queryable } from './sql';

type Payload = Pick<OutboxEntry, 'title' | 'body' | 'subject' | 'html' | 'data'>;

interface OutboxRow {
  id: string;
  notification_id: string;
  user_id: string;
  channel: Channel;
  endpoint_key: string;
  destination: string;
  payload: Payload;
  created_at: Date;
}

export const MAX_OUTBOX_PAGE = 1000;

export class OutboxRepository implements OutboxStore {
  constructor(private readonly db: Queryable) {}

  /** Idempotent on `id`: a repeated entry keeps the first. */
  async record(entry: OutboxEntry): Promise<void> {
    const payload: Payload = {
      title: entry.title,
      body: entry.body,
      subject: entry.subject,
      html: entry.html,
      data: entry.data,
    };
    await this.db.query(
      `INSERT INTO outbox (id, notification_id, user_id, channel, endpoint_key, destination, payload, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO NOTHING`,
      [
        entry.id,
        entry.notificationId,
        entry.userId,
        entry.channel,
        entry.endpointKey,
        entry.destination,
        JSON.stringify(payload),
        toDate(entry.createdAt),
      ],
    );
  }

  /** Newest first, optionally only one user's. */
  async list(filter: { userId?: string | undefined; limit: number }): Promise<OutboxEntry[]> {
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > MAX_OUTBOX_PAGE) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_OUTBOX_PAGE}`);
    }
    const { rows } = await this.db.query<OutboxRow>(
      `SELECT id, notification_id, user_id, channel, endpoint_key, destination, payload, created_at
       FROM outbox WHERE ($1::text IS NULL OR user_id = $1)
       ORDER BY created_at DESC, id DESC LIMIT $2`,
      [filter.userId ?? null, filter.limit],
    );
    return rows.map((row) => ({
      id: row.id,
      dryRun: true,
      notificationId: row.notification_id,
      userId: row.user_id,
      channel: row.channel,
      endpointKey: row.endpoint_key,
      destination: row.destination,
      ...row.payload,
      createdAt: toEpochMs(row.created_at),
    }));
  }
}
