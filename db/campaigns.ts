// Campaigns and their targets (docs/campaigns.md). The target table is what makes "never twice" durable: a user gets a
// row per campaign once, written `targeted` before their workflow is signalled and `handed_over` after.
import type { CampaignSpec, CampaignStatus, RuleSpec } from '../domain/campaign';
import type { EpochMs } from '../domain/types';
import { toDate, toEpochMs, withTransaction } from './sql';
import type pg from 'pg';

export interface CampaignRecord {
  id: string;
  name: string;
  source: 'campaign' | 'schedule';
  spec: CampaignSpec;
  status: CampaignStatus;
  segmentSize: number | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export interface CampaignProgress {
  /** Members with a target row, by its status. */
  targeted: number;
  handedOver: number;
  late: number;
  sent: number;
  suppressed: Record<string, number>;
  opened: number;
  converted: number;
}

interface CampaignRow {
  id: string;
  name: string;
  source: 'campaign' | 'schedule';
  spec: CampaignSpec;
  status: CampaignStatus;
  segment_size: number | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, source, spec, status, segment_size, created_at, updated_at';

export class CampaignRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates the campaign; false when the id is taken (nothing changed). */
  async create(
    campaign: Pick<CampaignRecord, 'id' | 'name' | 'source' | 'spec' | 'status'>,
    now: EpochMs,
  ): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO campaigns (id, name, source, spec, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING`,
      [campaign.id, campaign.name, campaign.source, JSON.stringify(campaign.spec), campaign.status, toDate(now)],
    );
    return rowCount === 1;
  }

  async get(id: string): Promise<CampaignRecord | null> {
    const { rows } = await this.pool.query<CampaignRow>(`SELECT ${COLUMNS} FROM campaigns WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }

  async list(limit: number): Promise<CampaignRecord[]> {
    const { rows } = await this.pool.query<CampaignRow>(
      `SELECT ${COLUMNS} FROM campaigns ORDER BY created_at DESC, id LIMIT $1`,
      [limit],
    );
    return rows.map(fromRow);
  }

  /** Moves the campaign to `status` if it is in one of `from` (all when absent); false when it was not. */
  async setStatus(
    id: string,
    status: CampaignStatus,
    now: EpochMs,
    options: { from?: readonly CampaignStatus[]; segmentSize?: number } = {},
  ): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE campaigns SET status = $2, updated_at = $3, segment_size = COALESCE($4, segment_size)
       WHERE id = $1 AND ($5::text[] IS NULL OR status = ANY ($5::text[]))`,
      [id, status, toDate(now), options.segmentSize ?? null, options.from ?? null],
    );
    return rowCount === 1;
  }

  /**
   * Records `userIds` as targeted (those not already) and marks `late` ones; returns the members still to signal:
   * targeted but not yet handed over, including any a failed earlier attempt of this page left behind.
   */
  async target(campaignId: string, userIds: string[], lateIds: string[], now: EpochMs): Promise<Set<string>> {
    return withTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO campaign_targets (campaign_id, user_id, status, updated_at)
         SELECT $1, ids.id, CASE WHEN ids.id = ANY ($3::text[]) THEN 'late' ELSE 'targeted' END, $4
         FROM unnest($2::text[]) AS ids(id)
         ON CONFLICT (campaign_id, user_id) DO NOTHING`,
        [campaignId, userIds, lateIds, toDate(now)],
      );
      const { rows } = await client.query<{ user_id: string }>(
        `SELECT user_id FROM campaign_targets WHERE campaign_id = $1 AND user_id = ANY ($2::text[]) AND status = 'targeted'`,
        [campaignId, userIds],
      );
      return new Set(rows.map((r) => r.user_id));
    });
  }

  async markHandedOver(campaignId: string, userIds: string[], now: EpochMs): Promise<void> {
    if (userIds.length === 0) return;
    await this.pool.query(
      `UPDATE campaign_targets SET status = 'handed_over', updated_at = $3
       WHERE campaign_id = $1 AND user_id = ANY ($2::text[]) AND status = 'targeted'`,
      [campaignId, userIds, toDate(now)],
    );
  }

  /** Target rows of these users by status. */
  async statusCounts(campaignId: string, userIds: string[]): Promise<Partial<Record<string, number>>> {
    const { rows } = await this.pool.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM campaign_targets WHERE campaign_id = $1 AND user_id = ANY ($2::text[])
       GROUP BY status`,
      [campaignId, userIds],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Users handed over, in id order after `afterId` (keyset): whom a cancel withdraws from. */
  async handedOverPage(campaignId: string, page: { limit: number; afterId?: string }): Promise<string[]> {
    const { rows } = await this.pool.query<{ user_id: string }>(
      `SELECT user_id FROM campaign_targets
       WHERE campaign_id = $1 AND status = 'handed_over' AND ($2::text IS NULL OR user_id > $2)
       ORDER BY user_id LIMIT $3`,
      [campaignId, page.afterId ?? null, page.limit],
    );
    return rows.map((r) => r.user_id);
  }

  async progress(campaignId: string, source: 'campaign' | 'schedule'): Promise<CampaignProgress> {
    const targets = await this.pool.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM campaign_targets WHERE campaign_id = $1 GROUP BY status',
      [campaignId],
    );
    const decisions = await this.pool.query<{ outcome: string; reason: string | null; n: string }>(
      `SELECT outcome, reason, count(*) AS n FROM decisions WHERE source_id = $1 AND source = $2
       GROUP BY outcome, reason`,
      [campaignId, source],
    );
    const engagement = await this.pool.query<{ type: string; n: string }>(
      `SELECT ne.type, count(*) AS n FROM decisions d
       JOIN notification_events ne ON ne.notification_id = d.candidate_id AND ne.user_id = d.user_id
       WHERE d.source_id = $1 AND d.source = $2 AND d.outcome = 'sent' AND ne.type IN ('opened', 'converted')
       GROUP BY ne.type`,
      [campaignId, source],
    );
    const count = (status: string) => Number(targets.rows.find((r) => r.status === status)?.n ?? 0);
    const suppressed: Record<string, number> = {};
    for (const row of decisions.rows) {
      if (row.outcome === 'suppressed') suppressed[row.reason ?? 'unknown'] = Number(row.n);
    }
    const handedOver = count('handed_over');
    return {
      targeted: count('targeted') + handedOver + count('late'),
      handedOver,
      late: count('late'),
      sent: Number(decisions.rows.find((r) => r.outcome === 'sent')?.n ?? 0),
      suppressed,
      opened: Number(engagement.rows.find((r) => r.type === 'opened')?.n ?? 0),
      converted: Number(engagement.rows.find((r) => r.type === 'converted')?.n ?? 0),
    };
  }
}

function fromRow(row: CampaignRow): CampaignRecord {
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    spec: row.spec,
    status: row.status,
    segmentSize: row.segment_size,
    createdAt: toEpochMs(row.created_at),
    updatedAt: toEpochMs(row.updated_at),
  };
}

export interface ScheduledRuleRecord {
  id: string;
  name: string;
  spec: RuleSpec;
  createdAt: EpochMs;
}

/** Scheduled rules as created; the Temporal Schedule holds their paused state and firings. */
export class ScheduledRuleRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** False when the id is taken. */
  async create(rule: ScheduledRuleRecord): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO scheduled_rules (id, spec, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [rule.id, JSON.stringify({ name: rule.name, ...rule.spec }), toDate(rule.createdAt)],
    );
    return rowCount === 1;
  }

  async get(id: string): Promise<ScheduledRuleRecord | null> {
    const { rows } = await this.pool.query<RuleRow>('SELECT id, spec, created_at FROM scheduled_rules WHERE id = $1', [
      id,
    ]);
    return rows[0] === undefined ? null : ruleFromRow(rows[0]);
  }

  async list(): Promise<ScheduledRuleRecord[]> {
    const { rows } = await this.pool.query<RuleRow>('SELECT id, spec, created_at FROM scheduled_rules ORDER BY id');
    return rows.map(ruleFromRow);
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM scheduled_rules WHERE id = $1', [id]);
    return rowCount === 1;
  }
}

interface RuleRow {
  id: string;
  spec: RuleSpec & { name: string };
  created_at: Date;
}

function ruleFromRow(row: RuleRow): ScheduledRuleRecord {
  const { name, ...spec } = row.spec;
  return { id: row.id, name, spec, createdAt: toEpochMs(row.created_at) };
}
