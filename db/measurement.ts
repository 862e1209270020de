// Measurement (docs/measurement.md): unlinked conversions and their attribution, the funnel from its rollups,
// experiment and holdout results, experiments created through the API. The rollups themselves are maintained by the
// triggers of migration 012, in the transaction that writes each decision, receipt, conversion or opt-out.
import type pg from 'pg';
import type { AttributionWindows } from '../domain/catalog';
import { GLOBAL_HOLDOUT_ID, holdoutThreshold, type HoldoutConfig, type VariantWeight } from '../domain/experiments';
import type { FunnelCell, FunnelDimension } from '../domain/funnel';
import type { ArmCounts } from '../domain/lift';
import type { EpochMs } from '../domain/types';
import { toDate, toEpochMs, withTransaction, type Queryable } from './sql';

/** The user's position in an experiment as PostgreSQL computes it: the same number as domain/experiments bucketOf. */
export const SQL_BUCKET = (experiment: string, userColumn: string) =>
  `('x' || left(encode(sha256(convert_to(${experiment} || ':' || ${userColumn}, 'UTF8')), 'hex'), 8))::bit(32)::bigint`;

export interface ConversionInput {
  /** The client's id for this conversion: a repeat is a duplicate. */
  eventId: string;
  type: 'engaged' | 'converted';
  at: EpochMs;
  value?: { amount: number; currency: string };
}

export interface StoredExperiment {
  id: string;
  variants: VariantWeight[];
  description?: string;
  createdAt: EpochMs;
}

/** Inclusive UTC days, `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  to: string;
}

export interface TimelineItem {
  at: EpochMs;
  kind: 'conversion' | 'engagement' | 'opt_out' | 'uninstall' | 'receipt';
  notificationId?: string;
  detail: string;
}

export class MeasurementRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Makes this process's windows the ones attribution uses (each process writes the same, from its catalog). */
  async configureAttribution(windows: AttributionWindows, db: Queryable = this.pool): Promise<void> {
    await db.query(
      `UPDATE attribution_settings SET open_window = $1 * interval '1 millisecond', churn_window = $2 * interval '1 millisecond'`,
      [windows.openWindowMs, windows.churnWindowMs],
    );
  }

  /**
   * Stores a conversion or engagement reported without a notification and attributes it to the user's last
   * notification opened within the open window (or to none). An attributed one also becomes that notification's
   * receipt of the same type (when it has none yet), so the funnel counts it. Null when the event id was seen.
   */
  async recordConversion(userId: string, input: ConversionInput): Promise<{ notificationId: string | null } | null> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ notification_id: string | null }>(
        `INSERT INTO user_conversions (user_id, event_id, type, occurred_at, value, currency, notification_id)
         VALUES ($1, $2, $3, $4, $5, $6, (
           SELECT e.notification_id FROM notification_events AS e
           WHERE e.user_id = $1 AND e.type = 'opened' AND e.status = 'applied'
             AND e.occurred_at <= $4 AND e.occurred_at > $4::timestamptz - (SELECT open_window FROM attribution_settings)
           ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1))
         ON CONFLICT (user_id, event_id) DO NOTHING
         RETURNING notification_id`,
        [
          userId,
          input.eventId,
          input.type,
          toDate(input.at),
          input.value?.amount ?? null,
          input.value?.currency ?? null,
        ],
      );
      const row = rows[0];
      if (row === undefined) return null;
      if (row.notification_id !== null) {
        await client.query(
          `INSERT INTO notification_events (notification_id, user_id, type, occurred_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT (notification_id, user_id, type) DO NOTHING`,
          [row.notification_id, userId, input.type, toDate(input.at)],
        );
      }
      return { notificationId: row.notification_id };
    });
  }

  /** The notification a stored conversion was attributed to (null: none, or no such conversion). */
  async conversionAttribution(userId: string, eventId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ notification_id: string | null }>(
      `SELECT notification_id FROM user_conversions WHERE user_id = $1 AND event_id = $2`,
      [userId, eventId],
    );
    return rows[0]?.notification_id ?? null;
  }

  /** A linked conversion's value, on its receipt (POST /v1/notifications/{id}/events). */
  async setConversionValue(
    userId: string,
    notificationId: string,
    value: { amount: number; currency: string },
    db: Queryable = this.pool,
  ): Promise<void> {
    await db.query(
      `UPDATE notification_events SET value = $3, currency = $4
       WHERE notification_id = $1 AND user_id = $2 AND type = 'converted' AND value IS NULL AND status = 'pending'`,
      [notificationId, userId, value.amount, value.currency],
    );
  }

  /** The funnel's rollup cells over the inclusive day range, summed per key (per day for `day`). */
  async funnelCells(by: FunnelDimension, range: DayRange): Promise<FunnelCell[]> {
    const { rows } = await this.pool.query<{ key: string; metric: string; n: string; amount: string }>(
      by === 'day'
        ? `SELECT to_char(day, 'YYYY-MM-DD') AS key, metric, sum(n)::text AS n, sum(amount)::text AS amount
           FROM funnel_rollups WHERE dimension = 'all' AND day BETWEEN $1::date AND $2::date
           GROUP BY day, metric`
        : `SELECT key, metric, sum(n)::text AS n, sum(amount)::text AS amount
           FROM funnel_rollups WHERE dimension = $3 AND day BETWEEN $1::date AND $2::date
           GROUP BY key, metric`,
      by === 'day' ? [range.from, range.to] : [range.from, range.to, by],
    );
    return rows.map((row) => ({ key: row.key, metric: row.metric, n: Number(row.n), amount: Number(row.amount) }));
  }

  /** Every metric's total over all days (dimension `all`): what /metrics exposes. */
  async totals(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ metric: string; n: string }>(
      `SELECT metric, sum(n)::text AS n FROM funnel_rollups WHERE dimension = 'all' GROUP BY metric`,
    );
    return new Map(rows.map((row) => [row.metric, Number(row.n)]));
  }

  /**
   * Per variant of an experiment: users with a decision in it during the range, and how many of them converted
   * (a conversion, linked or not, at or after their first decision in it and before the range ends).
   */
  async experimentArms(experimentId: string, range: DayRange): Promise<Map<string, ArmCounts>> {
    const { rows } = await this.pool.query<{ variant: string | null; users: number; converters: number }>(
      `WITH exposed AS (
         SELECT user_id, variant, min(decided_at) AS first_at FROM decisions
         WHERE experiment = $1 AND decided_at >= $2::date AND decided_at < $3::date + 1
         GROUP BY user_id, variant)
       SELECT x.variant, count(*)::int AS users,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM user_conversions AS c
                WHERE c.user_id = x.user_id AND c.type = 'converted' AND c.occurred_at >= x.first_at
                  AND c.occurred_at < $3::date + 1
                UNION ALL
                SELECT 1 FROM notification_events AS r
                WHERE r.user_id = x.user_id AND r.type = 'converted' AND r.status = 'applied'
                  AND r.occurred_at >= x.first_at AND r.occurred_at < $3::date + 1))::int AS converters
       FROM exposed AS x GROUP BY x.variant`,
      [experimentId, range.from, range.to],
    );
    return new Map(rows.map((row) => [row.variant ?? '(none)', { users: row.users, converters: row.converters }]));
  }

  /**
   * The global holdout against everyone else: users known by the end of the range, split by their bucket, and how
   * many of each converted during the range.
   */
  async holdoutArms(holdout: HoldoutConfig, range: DayRange): Promise<{ holdout: ArmCounts; treated: ArmCounts }> {
    const { rows } = await this.pool.query<{ held: boolean; users: number; converters: number }>(
      `SELECT ${SQL_BUCKET('$1::text', 'u.id')} < $2::bigint AS held, count(*)::int AS users,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM user_conversions AS c
                WHERE c.user_id = u.id AND c.type = 'converted' AND c.occurred_at >= $3::date
                  AND c.occurred_at < $4::date + 1
                UNION ALL
                SELECT 1 FROM notification_events AS r
                WHERE r.user_id = u.id AND r.type = 'converted' AND r.status = 'applied'
                  AND r.occurred_at >= $3::date AND r.occurred_at < $4::date + 1))::int AS converters
       FROM users AS u WHERE u.created_at < $4::date + 1
       GROUP BY 1`,
      [GLOBAL_HOLDOUT_ID, holdoutThreshold(holdout), range.from, range.to],
    );
    const arm = (held: boolean): ArmCounts => {
      const row = rows.find((r) => r.held === held);
      return { users: row?.users ?? 0, converters: row?.converters ?? 0 };
    };
    return { holdout: arm(true), treated: arm(false) };
  }

  /** Creates an experiment; false when the id exists. */
  async createExperiment(experiment: StoredExperiment): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO experiments (id, variants, description, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO NOTHING`,
      [
        experiment.id,
        JSON.stringify(experiment.variants),
        experiment.description ?? null,
        toDate(experiment.createdAt),
      ],
    );
    return rowCount === 1;
  }

  async listExperiments(): Promise<StoredExperiment[]> {
    const { rows } = await this.pool.query<{
      id: string;
      variants: VariantWeight[];
      description: string | null;
      created_at: Date;
    }>('SELECT id, variants, description, created_at FROM experiments ORDER BY created_at, id');
    return rows.map((row) => ({
      id: row.id,
      variants: row.variants,
      ...(row.description === null ? {} : { description: row.description }),
      createdAt: toEpochMs(row.created_at),
    }));
  }

  /** The user's conversions, receipts and churn signals, newest first (the console's timeline adds decisions). */
  async timeline(userId: string, limit = 200): Promise<TimelineItem[]> {
    const { rows } = await this.pool.query<{
      at: Date;
      kind: TimelineItem['kind'];
      notification_id: string | null;
      detail: string;
    }>(
      `SELECT * FROM (
         SELECT occurred_at AS at, CASE type WHEN 'converted' THEN 'conversion' ELSE 'engagement' END AS kind,
                notification_id, type || coalesce(' ' || value::text || ' ' || currency, '') ||
                CASE WHEN notification_id IS NULL THEN ' (not attributed)' ELSE ' (attributed)' END AS detail
         FROM user_conversions WHERE user_id = $1
         UNION ALL
         SELECT occurred_at, 'receipt', notification_id,
                type || coalesce(' ' || value::text || ' ' || currency, '') FROM notification_events WHERE user_id = $1
         UNION ALL
         SELECT occurred_at, kind, notification_id, coalesce(detail, '') FROM churn_signals WHERE user_id = $1
       ) AS t ORDER BY at DESC LIMIT $2`,
      [userId, limit],
    );
    return rows.map((row) => ({
      at: toEpochMs(row.at),
      kind: row.kind,
      ...(row.notification_id === null ? {} : { notificationId: row.notification_id }),
      detail: row.detail,
    }));
  }
}
