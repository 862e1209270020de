// The deployment-wide send rate per provider (docs/campaigns.md "Global send rate"): one token bucket per provider in
// PostgreSQL, shared by every worker process. One statement refills and takes a token atomically (the row lock
// serialises concurrent takers), so N workers together never exceed the provider's rate. Non-critical sends may not
// take the bucket's reserve: whatever a campaign does, a critical notification finds a token within the reserve, and
// takes every token the refill brings while non-critical ones wait for the reserve to fill again.
import type { EpochMs } from '../domain/types';
import { toDate, type Queryable } from './sql';

export interface BucketLimit {
  /** Sends per second. */
  ratePerSecond: number;
  /** Most tokens held (the burst); default one second's worth. */
  capacity?: number;
  /** Share of the capacity kept for critical sends; default 0.2. */
  criticalReserve?: number;
}

export type TakeResult = { taken: true } | { taken: false; retryInMs: number };

export class SendRateRepository {
  constructor(private readonly db: Queryable) {}

  /** Takes one token of `provider`'s bucket at `now`, or says how long until one is free for this priority. */
  async take(provider: string, limit: BucketLimit, critical: boolean, now: EpochMs): Promise<TakeResult> {
    const capacity = limit.capacity ?? Math.max(1, limit.ratePerSecond);
    const reserve = critical ? 0 : capacity * (limit.criticalReserve ?? 0.2);
    const at = toDate(now);
    const refilled = `LEAST($2::float8, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM ($3::timestamptz - b.refilled_at))) * $4::float8)`;
    const { rows } = await this.db.query<{ taken: boolean; tokens: number }>(
      `WITH seeded AS (
         INSERT INTO send_rate_buckets (provider, tokens, refilled_at) VALUES ($1, $2::float8 - 1, $3)
         ON CONFLICT (provider) DO NOTHING
         RETURNING tokens
       ),
       taken AS (
         UPDATE send_rate_buckets b SET tokens = ${refilled} - 1, refilled_at = GREATEST(b.refilled_at, $3::timestamptz)
         WHERE b.provider = $1 AND ${refilled} >= 1 + $5::float8
         RETURNING b.tokens
       )
       SELECT true AS taken, tokens FROM seeded
       UNION ALL
       SELECT true AS taken, tokens FROM taken
       UNION ALL
       SELECT false, ${refilled} FROM send_rate_buckets b WHERE b.provider = $1 AND NOT EXISTS (SELECT 1 FROM taken)`,
      [provider, capacity, at, limit.ratePerSecond, reserve],
    );
    const row = rows[0];
    // A bucket another process seeded after this statement's snapshot: look again in a moment.
    if (row === undefined) return { taken: false, retryInMs: 10 };
    if (row.taken) return { taken: true };
    return { taken: false, retryInMs: Math.ceil(((1 + reserve - row.tokens) / limit.ratePerSecond) * 1000) };
  }
}
