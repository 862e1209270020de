// The measurement routes through the real API: funnel report, conversions, receipts with a value, experiments and
// their results. The decision log is written through its repository (what the worker's activities do).
import { describe, expect, it } from 'vitest';
import type { Decision, EpochMs } from '../../domain/types';
import { useApiStack, type ApiStack } from '../api/support';
import { hours } from '../../domain/units';
import { utc } from '../support/instants';
import { nth } from '../../domain/present';

const HOUR = hours(1);
const T0 = utc(2026, 3, 2, 10, 0, 0);
const DAY = new Date(T0).toISOString().slice(0, 10);

describe('measurement API', () => {
  const stack = useApiStack({ worker: false });
  const call: ApiStack['call'] = (...args) => stack().call(...args);

  async function user(id: string) {
    const put = await stack().call('PUT', `/v1/users/${id}`, { json: { timeZone: 'UTC', locale: 'en' } });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
  }

  const campaignSend = (id: string, at: EpochMs, variant?: string): Decision => ({
    candidateId: id,
    category: 'marketing',
    outcome: { kind: 'sent', channel: 'push', at },
    provenance: {
      source: 'campaign',
      sourceId: 'spring_sale',
      template: 'promo_available',
      ...(variant === undefined ? {} : { experiment: 'spring_copy', variant }),
    },
  });

  it('funnel by campaign: a receipt with a value and an unlinked conversion, as revenue', async () => {
    const { repos, keys } = stack();
    await user('m-api-1');
    await repos.decisions.recordDecisions('m-api-1', [campaignSend('n-1', T0)]);
    const opened = await call('POST', '/v1/notifications/n-1/events', {
      key: keys.events,
      json: { type: 'opened', at: new Date(T0 + HOUR).toISOString() },
    });
    expect(opened.status).toBe(202);
    const receipt = await call('POST', '/v1/notifications/n-1/events', {
      key: keys.events,
      json: { type: 'converted', at: new Date(T0 + 2 * HOUR).toISOString(), value: { amount: 40, currency: 'EUR' } },
    });
    expect(receipt.status, JSON.stringify(receipt.body)).toBe(202);
    const unlinked = await call('POST', '/v1/users/m-api-1/conversions', {
      key: keys.events,
      json: { id: 'order-2', at: new Date(T0 + 3 * HOUR).toISOString(), value: { amount: 10, currency: 'EUR' } },
    });
    expect(unlinked.body).toEqual({
      userId: 'm-api-1',
      id: 'order-2',
      status: 'recorded',
      attributedTo: 'n-1',
      signalled: false,
    });
    // A repeat answers what the first one was attributed to.
    const again = await call('POST', '/v1/users/m-api-1/conversions', { key: keys.events, json: { id: 'order-2' } });
    expect(again.body).toEqual({
      userId: 'm-api-1',
      id: 'order-2',
      status: 'duplicate',
      attributedTo: 'n-1',
      signalled: false,
    });

    const report = await call('GET', `/v1/reports/funnel?by=campaign&from=${DAY}&to=${DAY}`, { key: keys.usersRead });
    expect(report.status).toBe(200);
    const metrics = await call('GET', '/metrics', { key: null });
    expect(metrics.body).toMatch(/^tact_decisions\{outcome="sent",reason=""\} [1-9]/m);
    expect(metrics.body).toMatch(/^tact_notification_receipts\{type="converted"\} [1-9]/m);
    expect(report.body.rows).toEqual([
      expect.objectContaining({
        key: 'spring_sale',
        sent: 1,
        opened: 1,
        converted: 1,
        revenue: { EUR: 50 },
        openRate: 1,
        revenuePerSend: { EUR: 50 },
      }),
    ]);
  });

  it('a conversion without a notification is the user’s engagement: aggregated, signalled when it ends a dormancy', async () => {
    const { repos, keys, db, spy } = stack();
    await user('m-api-dormant');
    // Known for 40 days with no engagement at all: dormant (30 days) when the first conversion arrives.
    await db.pool.query(`UPDATE users SET created_at = $2 WHERE id = $1`, [
      'm-api-dormant',
      new Date(T0 - 40 * 24 * HOUR),
    ]);
    const signalsBefore = spy.signalsFor('m-api-dormant', 'appOpened');
    const first = await call('POST', '/v1/users/m-api-dormant/conversions', {
      key: keys.events,
      json: { id: 'buy-1', at: new Date(T0).toISOString() },
    });
    expect(first.body).toEqual({
      userId: 'm-api-dormant',
      id: 'buy-1',
      status: 'recorded',
      attributedTo: null,
      signalled: true,
    });
    const second = await call('POST', '/v1/users/m-api-dormant/conversions', {
      key: keys.events,
      json: { id: 'look-1', type: 'engaged', at: new Date(T0 + HOUR).toISOString() },
    });
    expect(second.body).toMatchObject({ status: 'recorded', attributedTo: null, signalled: false });
    expect(spy.signalsFor('m-api-dormant', 'appOpened') - signalsBefore).toBe(1);
    const sessions = await repos.sessions.load('m-api-dormant');
    expect(sessions).toMatchObject({ sessions: 2, lastAt: T0 + HOUR });
    // A repeat is not engagement again.
    await call('POST', '/v1/users/m-api-dormant/conversions', { key: keys.events, json: { id: 'buy-1' } });
    expect((await repos.sessions.load('m-api-dormant'))?.sessions).toBe(2);
  });

  it('400 for bad input, nothing written; 401 without a key', async () => {
    const { keys } = stack();
    for (const query of ['by=country', `from=${DAY}&to=2026-01-01`, 'from=2020-01-01&to=2026-01-01', 'to=yesterday']) {
      const answer = await call('GET', `/v1/reports/funnel?${query}`, { key: keys.usersRead });
      expect(answer.status, query).toBe(400);
    }
    expect((await call('GET', '/v1/reports/funnel', { key: null })).status).toBe(401);
    const badValue = await call('POST', '/v1/users/m-api-1/conversions', {
      key: keys.events,
      json: { id: 'x-1', type: 'engaged', value: { amount: 1, currency: 'EUR' } },
    });
    expect(badValue.status).toBe(400);
    const badCurrency = await call('POST', '/v1/users/m-api-1/conversions', {
      key: keys.events,
      json: { id: 'x-2', value: { amount: 1, currency: 'euro' } },
    });
    expect(badCurrency.status).toBe(400);
    expect(
      (await call('POST', '/v1/users/nobody-here/conversions', { key: keys.events, json: { id: 'x' } })).status,
    ).toBe(404);
  });

  it('experiments: created, listed beside the holdout, results per variant against control', async () => {
    const { repos, keys } = stack();
    const created = await call('POST', '/v1/experiments', {
      json: {
        id: 'spring_copy',
        variants: [{ name: 'control' }, { name: 'urgent', weight: 2 }],
        description: 'Subject line',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(
      (await call('POST', '/v1/experiments', { json: { id: 'spring_copy', variants: [{ name: 'a' }] } })).status,
    ).toBe(409);
    expect(
      (await call('POST', '/v1/experiments', { key: keys.usersRead, json: { id: 'x', variants: [{ name: 'a' }] } }))
        .status,
    ).toBe(403);
    const list = await call('GET', '/v1/experiments', { key: keys.usersRead });
    expect(list.body.experiments.map((e: { id: string }) => e.id)).toEqual(['global_holdout', 'spring_copy']);

    // Three users per arm; one converter under control, two under urgent.
    for (let i = 0; i < 6; i++) {
      const id = `m-exp-${i}`;
      await user(id);
      await repos.decisions.recordDecisions(id, [campaignSend(`e-${i}`, T0, i < 3 ? 'control' : 'urgent')]);
      if (i === 0 || i === 3 || i === 4) {
        await call('POST', `/v1/users/${id}/conversions`, {
          key: keys.events,
          json: { id: `buy-${i}`, at: new Date(T0 + HOUR).toISOString() },
        });
      }
    }
    const results = await call('GET', `/v1/experiments/spring_copy/results?from=${DAY}&to=${DAY}`, {
      key: keys.usersRead,
    });
    expect(results.status).toBe(200);
    expect(results.body.control).toBe('control');
    expect(results.body.warning).toMatch(/too few users/);
    const [control, urgent] = results.body.variants;
    expect(control).toMatchObject({ variant: 'control', users: 3, converters: 1, control: true });
    expect(urgent).toMatchObject({ variant: 'urgent', users: 3, converters: 2, control: false });
    expect(urgent.lift.difference).toBeCloseTo(1 / 3, 10);
    expect(urgent.lift.significant).toBe(false);
    expect((await call('GET', '/v1/experiments/nope/results', { key: keys.usersRead })).status).toBe(404);

    // Every user known by the period's end (today, by default), split by the holdout hash.
    const holdout = await call('GET', `/v1/experiments/global_holdout/results?from=${DAY}`, {
      key: keys.usersRead,
    });
    expect(holdout.status).toBe(200);
    const arms = holdout.body.variants as { variant: string; users: number }[];
    expect(arms.map((a) => a.variant)).toEqual(['holdout', 'treated']);
    const { rows } = await stack().db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    expect(nth(arms, 0).users + nth(arms, 1).users).toBe(nth(rows, 0).n);
  });
});
