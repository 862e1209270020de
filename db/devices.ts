// Where users can be reached: push tokens per device, email addresses and phone numbers.
import type { DeviceRecord, Endpoint, EndpointDirectory, Platform } from '../domain/ports';
import type { Channel, EpochMs } from '../domain/types';
import { UnknownUserError } from './errors';
import { isForeignKeyViolation, optionalEpochMs, toDate, toEpochMs, type Queryable } from './sql';
import { nth, present } from '../domain/present';

/** The channels a user has one address on (push has one endpoint per device). */
export type ContactChannel = Exclude<Channel, 'push'>;

export interface EndpointRecord {
  endpoint: Endpoint;
  active: boolean;
  lastError?: string | undefined;
  deactivatedAt?: EpochMs | undefined;
  updatedAt: EpochMs;
}

interface EndpointRow {
  user_id: string;
  channel: Channel;
  platform: Platform | null;
  address: string;
  active: boolean;
  last_error: string | null;
  deactivated_at: Date | null;
  updated_at: Date;
}

const COLUMNS = 'user_id, channel, platform, address, active, last_error, deactivated_at, updated_at';

export class EndpointRepository implements EndpointDirectory {
  constructor(private readonly db: Queryable) {}

  /**
   * Registers an endpoint, or re-activates it when known; throws UnknownUserError without a profile. A push token
   * registered by another user moves to this one (the device changed hands or accounts). A user has at most one
   * email address and one phone number: a different one replaces it (`replaced`).
   */
  async put(userId: string, endpoint: Endpoint, now: EpochMs): Promise<{ created: boolean; replaced: boolean }> {
    const target =
      endpoint.channel === 'push'
        ? `(address) WHERE channel = 'push'
           DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform,`
        : `(user_id, channel) WHERE channel <> 'push' DO UPDATE SET address = EXCLUDED.address,`;
    try {
      const { rows } = await this.db.query<{ created: boolean; replaced: boolean }>(
        `WITH previous AS (
           SELECT address FROM endpoints WHERE user_id = $1 AND channel = $2 AND channel <> 'push'
         )
         INSERT INTO endpoints (user_id, channel, platform, address, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT ${target} active = true, last_error = NULL, deactivated_at = NULL, updated_at = EXCLUDED.updated_at
         RETURNING (xmax = 0) AS created,
                   COALESCE((SELECT address FROM previous) <> endpoints.address, false) AS replaced`,
        [
          userId,
          endpoint.channel,
          endpoint.channel === 'push' ? endpoint.platform : null,
          addressOf(endpoint),
          toDate(now),
        ],
      );
      return { created: nth(rows, 0).created, replaced: nth(rows, 0).replaced };
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new UnknownUserError(userId);
      throw error;
    }
  }

  /**
   * Removes one of the user's endpoints, named by its address (push token, email address or phone
   * number); false when the user has no such endpoint.
   */
  async delete(userId: string, channel: Channel, address: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'DELETE FROM endpoints WHERE user_id = $1 AND channel = $2 AND address = $3',
      [userId, channel, address],
    );
    return rowCount !== 0;
  }

  /** Removes the user's email address or phone number, whichever it is; false when there was none. */
  async deleteContact(userId: string, channel: ContactChannel): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM endpoints WHERE user_id = $1 AND channel = $2', [
      userId,
      channel,
    ]);
    return rowCount !== 0;
  }

  /** All of a user's endpoints, active or not, most recently updated first. */
  async list(userId: string): Promise<EndpointRecord[]> {
    const { rows } = await this.db.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM endpoints WHERE user_id = $1 ORDER BY updated_at DESC, id DESC`,
      [userId],
    );
    return rows.map((row) => ({
      endpoint: endpointOf(row),
      active: row.active,
      ...(row.last_error === null ? {} : { lastError: row.last_error }),
      ...(row.deactivated_at === null ? {} : { deactivatedAt: toEpochMs(row.deactivated_at) }),
      updatedAt: toEpochMs(row.updated_at),
    }));
  }

  /** The device holding a push token, whoever it belongs to. */
  async device(token: string): Promise<DeviceRecord | null> {
    const { rows } = await this.db.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM endpoints WHERE channel = 'push' AND address = $1`,
      [token],
    );
    const row = rows[0];
    if (row === undefined) return null;
    const deactivatedAt = optionalEpochMs(row.deactivated_at);
    return {
      userId: row.user_id,
      platform: present(row.platform, 'platform of a push row'),
      token: row.address,
      active: row.active,
      ...(row.last_error === null ? {} : { lastError: row.last_error }),
      deactivatedAt,
    };
  }

  async activeEndpoints(userId: string, channel: Channel): Promise<Endpoint[]> {
    const { rows } = await this.db.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM endpoints WHERE user_id = $1 AND channel = $2 AND active
       ORDER BY updated_at DESC, id DESC`,
      [userId, channel],
    );
    return rows.map(endpointOf);
  }

  /** Idempotent: a token already inactive keeps the time and reason of its first deactivation. */
  async deactivateToken(token: string, reason: string, at: EpochMs): Promise<void> {
    await this.db.query(
      `UPDATE endpoints SET active = false, last_error = $2, deactivated_at = $3, updated_at = $3
       WHERE channel = 'push' AND address = $1 AND active`,
      [token, reason, toDate(at)],
    );
  }

  /** Idempotent: an endpoint already inactive keeps the time and reason of its first deactivation. */
  async deactivateEndpoint(userId: string, endpoint: Endpoint, reason: string, at: EpochMs): Promise<void> {
    await this.db.query(
      `UPDATE endpoints SET active = false, last_error = $4, deactivated_at = $5, updated_at = $5
       WHERE user_id = $1 AND channel = $2 AND address = $3 AND active`,
      [userId, endpoint.channel, addressOf(endpoint), reason, toDate(at)],
    );
  }
}

function addressOf(endpoint: Endpoint): string {
  switch (endpoint.channel) {
    case 'push':
      return endpoint.token;
    case 'email':
      return endpoint.address;
    case 'sms':
      return endpoint.phone;
  }
}

function endpointOf(row: EndpointRow): Endpoint {
  switch (row.channel) {
    case 'push':
      return { channel: 'push', platform: present(row.platform, 'platform of a push row'), token: row.address };
    case 'email':
      return { channel: 'email', address: row.address };
    case 'sms':
      return { channel: 'sms', phone: row.address };
  }
}
