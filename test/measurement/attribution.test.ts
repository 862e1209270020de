// Attribution windows and the funnel's rollups against the decision log (docs/measurement.md).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories';
import { FUNNEL_DIMENSIONS, funnelRows, type FunnelDimension, type FunnelRow } from '../../domain/funnel';
import type { Decision, SuppressionReason, EpochMs } from '../../domain/types';
import { useTestDatabase } from '../support/test-database';
import { hours, addMs, durationMs, minutes, subMs, days, plusMs } from '../../domain/units';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const HOUR = hours(1);
const T0 = utc(2026, 2, 10, 9, 0, 0);
const DAY_OF = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const sent = (id: string, at: EpochMs, extra: Partial<Decision> = {}): Decision => ({
  candidateId: id,
  category: 'social',
  outcome: { kind: 'sent', channel: 'push', at },
  provenance: { source: 'event', template: 'friend_joined' },
  ...extra,
});

describe('attribution', () => {
  const db = useTestDatabase();
  const repos = () => createRepositories(db().pool);

  async function user(id: string) {
    await repos().users.upsert({ id, timeZone: 'UTC', locale: 'en', attributes: {} }, subMs(T0, hours(30 * 24)));
  }

  it('a conversion without a notification goes to the last one opened within 24 h, or to none', async () => {
    const r = repos();
    await user('att-1');
    await r.decisions.recordDecisions('att-1', [sent('n1', T0), sent('n2', addMs(T0, HOUR))]);
    await r.notificationEvents.record('att-1', { notificationId: 'n1', type: 'opened', at: addMs(T0, hours(2)) });
    // n2 was sent later but opened earlier than n1: the last one *opened* wins.
    await r.notificationEvents.record('att-1', { notificationId: 'n2', type: 'opened', at: addMs(T0, minutes(90)) });
    const inside = await r.measurement.recordConversion('att-1', {
      eventId: 'buy-1',
      type: 'converted',
      at: addMs(T0, plusMs(hours(2), hours(23))),
      value: { amount: 19.5, currency: 'EUR' },
    });
    expect(inside).toEqual({ notificationId: 'n1' });
    const outside = await r.measurement.recordConversion('att-1', {
      eventId: 'buy-2',
      type: 'converted',
      at: addMs(T0, plusMs(plusMs(hours(2), hours(24)), durationMs(1))),
    });
    expect(outside).toEqual({ notificationId: null });
    expect(await r.measurement.recordConversion('att-1', { eventId: 'buy-1', type: 'converted', at: T0 })).toBeNull();

    const { rows } = funnelRows(await r.measurement.funnelCells('template', { from: DAY_OF(T0), to: DAY_OF(T0) }));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: 'friend_joined', sent: 2, opened: 2, converted: 1, revenue: { EUR: 19.5 } });
  });

  it('an opt-out and an uninstall go to the last notification sent within 72 h, or to none', async () => {
    const r = repos();
    await user('att-2');
    await r.decisions.recordDecisions('att-2', [
      sent('m1', T0, {
        category: 'marketing',
        provenance: { source: 'campaign', sourceId: 'spring', template: 'promo_available' },
      }),
      sent('s1', addMs(T0, HOUR)),
    ]);
    await r.preferences.patch('att-2', { optedOutCategories: ['marketing'] }, addMs(T0, hours(71)));
    await r.endpoints.put('att-2', { channel: 'push', platform: 'ios', token: 'tok-att-2' }, T0);
    await r.endpoints.deactivateToken(
      'tok-att-2',
      'Unregistered',
      addMs(T0, plusMs(plusMs(HOUR, hours(72)), durationMs(1))),
    );

    const byTemplate = funnelRows(await r.measurement.funnelCells('template', { from: DAY_OF(T0), to: DAY_OF(T0) }));
    const social = present(
      byTemplate.rows.find((row) => row.key === 'friend_joined'),
      "the byTemplate.rows entry where row.key === 'friend_joined'",
    );
    // s1 (T0 + 1 h) is the last send before the opt-out (T0 + 71 h); the uninstall came 72 h + 1 ms after it.
    expect(social).toMatchObject({ optOuts: 1, uninstalls: 0 });
    const { rows: signals } = await db().pool.query<{ kind: string; notification_id: string | null }>(
      `SELECT kind, notification_id FROM churn_signals WHERE user_id = 'att-2' ORDER BY id`,
    );
    expect(signals).toEqual([
      { kind: 'opt_out', notification_id: 's1' },
      { kind: 'uninstall', notification_id: null },
    ]);
  });

  it('a receipt counts once applied: a released claim never counts, a repeat counts once', async () => {
    const r = repos();
    await user('att-3');
    await r.decisions.recordDecisions('att-3', [sent('k1', T0)]);
    const first = await r.notificationEvents.claim(
      'att-3',
      { notificationId: 'k1', type: 'opened', at: addMs(T0, HOUR) },
      { now: addMs(T0, HOUR) },
    );
    await r.notificationEvents.release('att-3', 'k1', 'opened', first.claim);
    const second = await r.notificationEvents.claim(
      'att-3',
      { notificationId: 'k1', type: 'converted', at: addMs(T0, HOUR) },
      { now: addMs(T0, HOUR) },
    );
    await r.measurement.setConversionValue('att-3', 'k1', { amount: 5, currency: 'USD' });
    await r.notificationEvents.markApplied('att-3', 'k1', 'converted', second.claim);
    await r.notificationEvents.markApplied('att-3', 'k1', 'converted', second.claim);
    const { total } = funnelRows(await r.measurement.funnelCells('source', { from: DAY_OF(T0), to: DAY_OF(T0) }));
    expect(total).toMatchObject({ sent: 3 + 2, opened: 2, converted: 2 });
    expect(total.revenue).toEqual({ EUR: 19.5, USD: 5 });
  });
});

// Reports reconcile with the decision log: random decision logs with receipts, conversions and opt-outs, the funnel
// per dimension summed from the rollups, and the same numbers counted directly from the log's rows.
describe('funnel reconciles with the decision log', () => {
  const db = useTestDatabase();
  const REASONS: SuppressionReason[] = ['daily_cap', 'low_score', 'opted_out', 'expired', 'holdout'];
  const decisionArb = fc.record({
    day: fc.integer({ min: 0, max: 3 }),
    minute: fc.integer({ min: 0, max: 14 * 60 - 1 }), // T0 is 09:00 UTC: the same UTC day
    category: fc.constantFrom('social', 'marketing', 'reminder'),
    template: fc.constantFrom('friend_joined', 'promo_available', 'streak_at_risk'),
    source: fc.constantFrom('event', 'campaign', 'journey', 'api'),
    sourceId: fc.constantFrom('spring', 'winback', 'cart:run-1', 'trial:run-2'),
    experiment: fc.option(fc.constantFrom('subject_line'), { nil: undefined }),
    variant: fc.constantFrom('a', 'b', 'control'),
    sent: fc.boolean(),
    channel: fc.constantFrom('push', 'email'),
    reason: fc.constantFrom(...REASONS),
    receipts: fc.subarray(['delivered', 'opened', 'engaged', 'converted'] as const),
    value: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
  });

  it('every dimension, every metric, exactly', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(decisionArb, { minLength: 1, maxLength: 40 }), async (specs) => {
        run += 1;
        const { pool } = db();
        await pool.query('TRUNCATE decisions, notification_events, user_conversions, churn_signals, funnel_rollups');
        const r = createRepositories(pool);
        const userId = `rec-${run}`;
        await r.users.upsert({ id: userId, timeZone: 'UTC', locale: 'en', attributes: {} }, subMs(T0, hours(40 * 24)));
        const decisions: Decision[] = specs.map((s, i) => {
          const at = addMs(T0, plusMs(days(s.day), minutes(s.minute)));
          return {
            candidateId: `c${i}`,
            category: s.category,
            outcome: s.sent
              ? { kind: 'sent', channel: s.channel, at }
              : { kind: 'suppressed', reason: s.reason, at, detail: 'x' },
            provenance: {
              source: s.source,
              sourceId: s.sourceId,
              template: s.template,
              ...(s.experiment === undefined ? {} : { experiment: s.experiment, variant: s.variant }),
            },
          };
        });
        // Half the receipts before the decision is logged (the send logged late), half after.
        const half = Math.floor(decisions.length / 2);
        const receiptsOf = async (from: number, to: number) => {
          for (let i = from; i < to; i++) {
            const spec = nth(specs, i);
            const decision = nth(decisions, i);
            if (!spec.sent) continue;
            for (const type of spec.receipts) {
              const event = { notificationId: decision.candidateId, type, at: addMs(decision.outcome.at, HOUR) };
              if (type !== 'converted' || spec.value === undefined) {
                await r.notificationEvents.record(userId, event);
                continue;
              }
              // As the API records a conversion with a value: claimed, valued, then applied.
              const { claim } = await r.notificationEvents.claim(userId, event, { now: event.at });
              await r.measurement.setConversionValue(userId, decision.candidateId, {
                amount: spec.value,
                currency: 'EUR',
              });
              await r.notificationEvents.markApplied(userId, decision.candidateId, type, claim);
            }
          }
        };
        await receiptsOf(0, half);
        await r.decisions.recordDecisions(userId, decisions);
        await receiptsOf(half, decisions.length);
        await r.preferences.patch(userId, { globalOptOut: true }, addMs(T0, plusMs(hours(3 * 24), hours(12))));

        const range = { from: DAY_OF(T0), to: DAY_OF(T0 + 3 * 24 * HOUR) };
        const dims: FunnelDimension[] = [...FUNNEL_DIMENSIONS];
        for (const by of dims) {
          const reported = funnelRows(await r.measurement.funnelCells(by, range)).rows;
          const expected = await fromLog(pool, userId, by);
          expect(reported.map(comparable), by).toEqual(expected);
        }
      }),
      { numRuns: 15, seed: 1312 },
    );
  });
});

type Comparable = Pick<FunnelRow, 'key' | 'sent' | 'delivered' | 'opened' | 'engaged' | 'converted' | 'optOuts'> & {
  revenue: number;
  suppressed: Record<string, number>;
};

function comparable(row: FunnelRow): Comparable {
  return {
    key: row.key,
    sent: row.sent,
    delivered: row.delivered,
    opened: row.opened,
    engaged: row.engaged,
    converted: row.converted,
    optOuts: row.optOuts,
    revenue: row.revenue.EUR ?? 0,
    suppressed: row.suppressed,
  };
}

/** The same report counted straight from the decision log and its receipts, without the rollups. */
async function fromLog(pool: import('pg').Pool, userId: string, by: FunnelDimension): Promise<Comparable[]> {
  const keyExpr: Record<FunnelDimension, string> = {
    category: 'd.category',
    template: "coalesce(d.template, '(none)')",
    channel: "coalesce(d.channel, '(none)')",
    source: 'd.source',
    journey: "CASE WHEN d.source = 'journey' THEN split_part(d.source_id, ':', 1) END",
    campaign: "CASE WHEN d.source = 'campaign' THEN d.source_id END",
    variant: "CASE WHEN d.experiment IS NOT NULL THEN d.experiment || '/' || d.variant END",
    day: "to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
  };
  const { rows } = await pool.query<{
    key: string;
    outcome: string;
    reason: string | null;
    receipts: string[];
    revenue: string | null;
    opted_out: boolean;
  }>(
    `SELECT ${keyExpr[by]} AS key, d.outcome, d.reason,
            ARRAY(SELECT type FROM notification_events e WHERE e.user_id = d.user_id AND e.notification_id = d.candidate_id
                  AND e.status = 'applied') AS receipts,
            (SELECT sum(value) FROM notification_events e WHERE e.user_id = d.user_id
               AND e.notification_id = d.candidate_id)::text AS revenue,
            EXISTS (SELECT 1 FROM churn_signals c WHERE c.user_id = d.user_id AND c.notification_id = d.candidate_id
                    AND c.kind = 'opt_out') AS opted_out
     FROM decisions d WHERE d.user_id = $1`,
    [userId],
  );
  const byKey = new Map<string, Comparable>();
  for (const row of rows) {
    if (row.key === null) continue;
    const c = byKey.get(row.key) ?? {
      key: row.key,
      sent: 0,
      delivered: 0,
      opened: 0,
      engaged: 0,
      converted: 0,
      optOuts: 0,
      revenue: 0,
      suppressed: {},
    };
    byKey.set(row.key, c);
    if (row.outcome === 'suppressed') {
      c.suppressed[present(row.reason, 'row.reason')] = (c.suppressed[present(row.reason, 'row.reason')] ?? 0) + 1;
      continue;
    }
    c.sent += 1;
    for (const type of row.receipts) c[type as 'delivered' | 'opened' | 'engaged' | 'converted'] += 1;
    c.revenue += Number(row.revenue ?? 0);
    if (row.opted_out) c.optOuts += 1;
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
