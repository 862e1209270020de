// POST /v1/segments and /v1/segments:preview over real HTTP: a bad filter is a 400 naming its part, with nothing saved.
import { describe, expect, it } from 'vitest';
import { useApiStack } from './support';
import { utc } from '../support/instants';
import { epochMsOfDate } from '../../domain/units';
import { wallClock } from '../../clock';

const stack = useApiStack({ worker: false });

describe('/v1/segments', () => {
  it('previews a filter (count and sample), saves it by name and previews it by name', async () => {
    for (const [id, country] of [
      ['seg-a', 'BR'],
      ['seg-b', 'BR'],
      ['seg-c', 'US'],
    ] as const) {
      await stack().repos.users.upsert({ id, timeZone: 'UTC', locale: 'pt-BR', attributes: { country } }, wallClock());
    }
    const filter = {
      and: [
        { field: 'country', op: 'eq', value: 'BR' },
        { field: 'locale', op: 'in', value: ['pt-BR'] },
      ],
    };
    const preview = await stack().call('POST', '/v1/segments:preview', { json: { filter, sample: 1 } });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ count: 2, sample: ['seg-a'] });

    const saved = await stack().call('POST', '/v1/segments', { json: { name: 'brazil', filter } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const byName = await stack().call('POST', '/v1/segments:preview', { json: { segment: 'brazil' } });
    expect(byName.body).toMatchObject({ count: 2, sample: ['seg-a', 'seg-b'] });
    const list = await stack().call('GET', '/v1/segments');
    expect(list.body.segments.map((s: { name: string }) => s.name)).toContain('brazil');
  });

  it('answers 400 naming the bad part of a filter, and saves nothing', async () => {
    const bad = {
      and: [
        { field: 'country', op: 'eq', value: 'BR' },
        { field: 'contry', op: 'eq', value: 'BR' },
      ],
    };
    const saved = await stack().call('POST', '/v1/segments', { json: { name: 'typo', filter: bad } });
    expect(saved.status).toBe(400);
    expect(JSON.stringify(saved.body)).toContain('filter.and[1].field');
    expect(JSON.stringify(saved.body)).toContain('unknown field \\"contry\\"');
    expect(await stack().repos.segments.get('typo')).toBeNull();

    const badOp = await stack().call('POST', '/v1/segments:preview', {
      json: { filter: { not: { field: 'engagementRate', op: 'in', value: [1] } } },
    });
    expect(badOp.status).toBe(400);
    expect(JSON.stringify(badOp.body)).toContain('filter.not.op');

    const unknown = await stack().call('POST', '/v1/segments:preview', { json: { segment: 'nope' } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('no segment named');
    const neither = await stack().call('POST', '/v1/segments:preview', { json: {} });
    expect(neither.status).toBe(400);

    const noJourney = await stack().call('POST', '/v1/segments', {
      json: { name: 'in-no-journey', filter: { field: 'journey.cart_abandonmnet', op: 'eq', value: 'active' } },
    });
    expect(noJourney.status).toBe(400);
    expect(JSON.stringify(noJourney.body)).toContain('unknown journey \\"cart_abandonmnet\\"');
    expect(await stack().repos.segments.get('in-no-journey')).toBeNull();
  });

  it('previews journey membership from the recorded journey runs', async () => {
    const at = new Date(utc(2026, 0, 5));
    for (const [id, ended] of [
      ['seg-journey-a', null],
      ['seg-journey-b', 'completed'],
    ] as const) {
      await stack().repos.users.upsert({ id, timeZone: 'UTC', locale: 'en', attributes: {} }, epochMsOfDate(at));
      await stack().db.pool.query(
        `INSERT INTO journey_runs (run_id, journey, version, user_id, source, enrolled_at, ended_at, end_reason)
         VALUES ($1, 'trial_expiry', 1, $2, 'api', $3, $4, $5)`,
        [`user:${id}/journey/trial_expiry/1`, id, at, ended === null ? null : at, ended],
      );
    }
    const active = await stack().call('POST', '/v1/segments:preview', {
      json: { filter: { field: 'journey.trial_expiry', op: 'eq', value: 'active' } },
    });
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ count: 1, sample: ['seg-journey-a'] });
    const done = await stack().call('POST', '/v1/segments:preview', {
      json: { filter: { field: 'journey.trial_expiry', op: 'in', value: ['completed', 'exited'] } },
    });
    expect(done.body).toMatchObject({ count: 1, sample: ['seg-journey-b'] });
  });
});
