// The last state view each user's workflow answered, kept so GET /v1/users/{id}/state can answer when the workflow is
// slow or Temporal is away (api/state-views.ts). One row per user, replaced only by a newer view.
import type { EpochMs } from '../domain/types';
import { toDate, toEpochMs, type Queryable } from './sql';

export interface StoredStateView<T> {
  view: T;
  /** When the workflow answered it. */
  asOf: EpochMs;
}

export class StateViewRepository {
  constructor(private readonly db: Queryable) {}

  async save(userId: string, view: unknown, asOf: EpochMs): Promise<void> {
    await this.db.query(
      `INSERT INTO user_state_views (user_id, view, as_of) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET view = EXCLUDED.view, as_of = EXCLUDED.as_of
         WHERE user_state_views.as_of < EXCLUDED.as_of`,
      [userId, JSON.stringify(view), toDate(asOf)],
    );
  }

  async load<T>(userId: string): Promise<StoredStateView<T> | null> {
    const { rows } = await this.db.query<{ view: T; as_of: Date }>(
      'SELECT view, as_of FROM user_state_views WHERE user_id = $1',
      [userId],
    );
    const row = rows[0];
    return row === undefined ? null : { view: row.view, asOf: toEpochMs(row.as_of) };
  }
}
