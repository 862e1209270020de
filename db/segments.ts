// Segments in PostgreSQL (docs/segments.md): a validated filter (domain/segment.ts) compiled to a WHERE clause over
// `users u` and its computed fields. The SQL text is built only from fixed fragments; every value — attribute names
// included — is a bind parameter. Saved segments are named filters.
import {
  AT_RISK_AFTER_DAYS,
  CHURNED_AFTER_DAYS,
  ENGAGEMENT_WINDOW_DAYS,
  type JourneyState,
  type LifecycleStage,
  type Segment,
  type SegmentCondition,
} from '../domain/segment';
import type { EpochMs } from '../domain/types';
import { toDate, toEpochMs, type Queryable } from './sql';
import { nth } from '../domain/present';
import { days, epochMs, subMs } from '../domain/units';

/** The tables a compiled filter reads: users, and (left-joined on their keys, so unused joins cost nothing) these. */
export const SEGMENT_FROM = `users u
  LEFT JOIN user_sessions s ON s.user_id = u.id
  LEFT JOIN preferences p ON p.user_id = u.id`;

export interface CompiledSegment {
  /** A boolean SQL expression over SEGMENT_FROM, its parameters numbered from `firstParam`. */
  where: string;
  params: unknown[];
}

/**
 * Compiles a validated segment. `now` anchors relative times (withinLastDays, lifecycle stages, engagement window).
 * Parameters are numbered from `firstParam`, so the caller can put its own (cursor, limit) first.
 */
export function compileSegment(segment: Segment, now: EpochMs, firstParam = 1): CompiledSegment {
  const params: unknown[] = [];
  const bind = (value: unknown, cast: string): string => {
    params.push(value);
    return `$${firstParam + params.length - 1}::${cast}`;
  };
  const lastActive = 'COALESCE(s.last_at, u.created_at)';
  const daysAgo = (n: number) => bind(toDate(subMs(now, days(n))), 'timestamptz');

  const text = (field: string): string => {
    switch (field) {
      case 'locale':
        return 'u.locale';
      case 'timeZone':
        return 'u.time_zone';
      case 'country':
        return `(u.attributes->>'country')`;
      default:
        return `(u.attributes->>${bind(field.slice('attributes.'.length), 'text')})`;
    }
  };
  const stage = (value: LifecycleStage): string => {
    switch (value) {
      case 'active':
        return `${lastActive} >= ${daysAgo(AT_RISK_AFTER_DAYS)}`;
      case 'at_risk':
        return `(${lastActive} < ${daysAgo(AT_RISK_AFTER_DAYS)} AND ${lastActive} >= ${daysAgo(CHURNED_AFTER_DAYS)})`;
      case 'churned':
        return `${lastActive} < ${daysAgo(CHURNED_AFTER_DAYS)}`;
    }
  };
  const member = (field: string, value: string): string => {
    switch (field) {
      case 'platform':
        return `EXISTS (SELECT 1 FROM endpoints e WHERE e.user_id = u.id AND e.active AND e.platform = ${bind(value, 'text')})`;
      case 'channel': {
        const channel = bind(value, 'text');
        return `(EXISTS (SELECT 1 FROM endpoints e WHERE e.user_id = u.id AND e.active AND e.channel = ${channel})
          AND NOT (${channel} = ANY (COALESCE(p.opted_out_channels, '{}'))))`;
      }
      default:
        return `(NOT COALESCE(p.global_opt_out, false) AND NOT (${bind(value, 'text')} = ANY (COALESCE(p.opted_out_categories, '{}'))))`;
    }
  };
  const number = (field: string): string =>
    field === 'engagementRate'
      ? `(SELECT CASE WHEN count(*) = 0 THEN NULL
            ELSE count(*) FILTER (WHERE EXISTS (SELECT 1 FROM notification_events ne
              WHERE ne.notification_id = d.candidate_id AND ne.user_id = d.user_id
                AND ne.type IN ('opened', 'engaged', 'converted')))::float8 / count(*) END
          FROM decisions d
          WHERE d.user_id = u.id AND d.outcome = 'sent' AND d.decided_at >= ${daysAgo(ENGAGEMENT_WINDOW_DAYS)})`
      : `(CASE WHEN jsonb_typeof(u.attributes->${bind(field.slice('attributes.'.length), 'text')}) = 'number'
            THEN (u.attributes->>${bind(field.slice('attributes.'.length), 'text')})::float8 END)`;
  /** Has a recorded run of the journey in that state (journey_runs, written by each run as it starts and ends). */
  const journeyRun = (field: string, state: JourneyState): string => {
    const runs = `SELECT 1 FROM journey_runs jr WHERE jr.user_id = u.id AND jr.journey = ${bind(field.slice('journey.'.length), 'text')}`;
    switch (state) {
      case 'active':
        return `EXISTS (${runs} AND jr.ended_at IS NULL)`;
      case 'completed':
        return `EXISTS (${runs} AND jr.end_reason = 'completed')`;
      case 'exited':
        return `EXISTS (${runs} AND jr.end_reason <> 'completed')`;
      case 'converted':
        return `EXISTS (${runs} AND jr.converted)`;
      case 'enrolled':
        return `EXISTS (${runs})`;
    }
  };
  const time = (field: string): string => (field === 'createdAt' ? 'u.created_at' : lastActive);
  /** eq on a stored attribute as JSON containment, which the GIN index on attributes answers. */
  const contains = (field: string, value: unknown): string => {
    const name = field === 'country' ? 'country' : field.slice('attributes.'.length);
    return `u.attributes @> ${bind(JSON.stringify({ [name]: value }), 'jsonb')}`;
  };

  const condition = (c: SegmentCondition): string => {
    switch (c.op) {
      case 'eq':
      case 'in':
      case 'ne':
      case 'notIn': {
        const values = Array.isArray(c.value) ? c.value : [c.value];
        const any =
          c.field === 'lifecycleStage'
            ? values.map((v) => stage(v as LifecycleStage))
            : c.field.startsWith('journey.')
              ? values.map((v) => journeyRun(c.field, v as JourneyState))
              : c.field === 'country' || c.field.startsWith('attributes.')
                ? values.map((v) => contains(c.field, v))
                : [`${text(c.field)} = ANY (${bind(values.map(String), 'text[]')})`];
        const matched = `(${any.join(' OR ')})`;
        return c.op === 'eq' || c.op === 'in' ? matched : `NOT ${matched}`;
      }
      case 'exists':
        return `u.attributes ? ${bind(c.field.slice('attributes.'.length), 'text')}`;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        return `${number(c.field)} ${COMPARISON[c.op]} ${bind(c.value, 'float8')}`;
      case 'between':
        if (c.field === 'createdAt' || c.field === 'lastActiveAt') {
          return `${time(c.field)} BETWEEN ${bind(toDate(epochMs(c.value[0])), 'timestamptz')} AND ${bind(toDate(epochMs(c.value[1])), 'timestamptz')}`;
        }
        return `${number(c.field)} BETWEEN ${bind(c.value[0], 'float8')} AND ${bind(c.value[1], 'float8')}`;
      case 'has':
        return member(c.field, c.value);
      case 'hasAny':
        return `(${c.value.map((v) => member(c.field, v)).join(' OR ')})`;
      case 'hasNone':
        return `NOT (${c.value.map((v) => member(c.field, v)).join(' OR ')})`;
      case 'before':
        return `${time(c.field)} < ${bind(toDate(epochMs(c.value)), 'timestamptz')}`;
      case 'after':
        return `${time(c.field)} > ${bind(toDate(epochMs(c.value)), 'timestamptz')}`;
      case 'withinLastDays':
        return `${time(c.field)} >= ${daysAgo(c.value)}`;
      case 'olderThanDays':
        return `${time(c.field)} < ${daysAgo(c.value)}`;
    }
  };
  // A NULL (no such attribute, no engagement rate) does not match a condition; `not` of it, ne, notIn and hasNone do.
  const compile = (s: Segment): string => {
    if ('and' in s) return `(${s.and.map(compile).join(' AND ')})`;
    if ('or' in s) return `(${s.or.map(compile).join(' OR ')})`;
    if ('not' in s) return `(NOT COALESCE(${compile(s.not)}, false))`;
    return `COALESCE(${condition(s)}, false)`;
  };
  return { where: compile(segment), params };
}

const COMPARISON = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/** A user a segment selected, with what a campaign needs to address them. */
export interface SegmentMember {
  id: string;
  timeZone: string;
  locale: string;
}

export interface SavedSegment {
  name: string;
  filter: Segment;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export const MAX_SEGMENT_PAGE = 10_000;

export class SegmentRepository {
  constructor(private readonly db: Queryable) {}

  async count(segment: Segment, now: EpochMs): Promise<number> {
    const { where, params } = compileSegment(segment, now);
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${SEGMENT_FROM} WHERE ${where}`,
      params,
    );
    return Number(nth(rows, 0).n);
  }

  /** Members in id order after `afterId` (keyset paging: pass the last id of the previous page). */
  async page(segment: Segment, now: EpochMs, page: { limit: number; afterId?: string }): Promise<SegmentMember[]> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_SEGMENT_PAGE) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_SEGMENT_PAGE}`);
    }
    const { where, params } = compileSegment(segment, now, 3);
    const { rows } = await this.db.query<{ id: string; time_zone: string; locale: string }>(
      `SELECT u.id, u.time_zone, u.locale FROM ${SEGMENT_FROM}
       WHERE ($1::text IS NULL OR u.id > $1::text) AND ${where}
       ORDER BY u.id LIMIT $2::int`,
      [page.afterId ?? null, page.limit, ...params],
    );
    return rows.map((r) => ({ id: r.id, timeZone: r.time_zone, locale: r.locale }));
  }

  /** Creates or replaces a named segment; `created` tells which. */
  async save(name: string, filter: Segment, now: EpochMs): Promise<{ segment: SavedSegment; created: boolean }> {
    const { rows } = await this.db.query<SegmentRow & { created: boolean }>(
      `INSERT INTO segments (name, filter, created_at, updated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (name) DO UPDATE SET filter = EXCLUDED.filter, updated_at = EXCLUDED.updated_at
       RETURNING name, filter, created_at, updated_at, (xmax = 0) AS created`,
      [name, JSON.stringify(filter), toDate(now)],
    );
    return { segment: fromRow(nth(rows, 0)), created: nth(rows, 0).created };
  }

  async get(name: string): Promise<SavedSegment | null> {
    const { rows } = await this.db.query<SegmentRow>(
      'SELECT name, filter, created_at, updated_at FROM segments WHERE name = $1',
      [name],
    );
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }

  async list(): Promise<SavedSegment[]> {
    const { rows } = await this.db.query<SegmentRow>(
      'SELECT name, filter, created_at, updated_at FROM segments ORDER BY name',
    );
    return rows.map(fromRow);
  }
}

interface SegmentRow {
  name: string;
  filter: Segment;
  created_at: Date;
  updated_at: Date;
}

function fromRow(row: SegmentRow): SavedSegment {
  return {
    name: row.name,
    filter: row.filter,
    createdAt: toEpochMs(row.created_at),
    updatedAt: toEpochMs(row.updated_at),
  };
}
