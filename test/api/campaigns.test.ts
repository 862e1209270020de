// /v1/campaigns over real HTTP with a worker: bad input is a 400 naming its part with nothing written; a dry run
// writes nothing; a draft starts, fans out to its segment, shows progress, and a cancel withdraws what is pending.
import { describe, expect, it } from 'vitest';
import { eventually, uniqueId, useApiStack } from './support';
import { utc } from '../support/instants';
import { wallClock } from '../../clock';
import { nth } from '../../domain/present';

const stack = useApiStack({ worker: true });

/** A local send far ahead (2099), so nothing is delivered while the test looks at pending candidates. */
const LATER = { date: '2099-03-02', localTime: '09:00', window: '2h', late: 'skip' };
const MESSAGE = {
  category: 'marketing',
  template: 'promo_available',
  variables: { offer: 'spring', discount: 0.2, ends_at: utc(2099, 2, 9) },
};

describe('/v1/campaigns', () => {
  it('answers 400 naming each bad part, and writes nothing', async () => {
    const bad = await stack().call('POST', '/v1/campaigns', {
      json: {
        name: 'bad',
        segment: { field: 'contry', op: 'eq', value: 'BR' },
        message: { category: 'marketing', template: 'no_such_template' },
        send: { date: '2099-03-02', localTime: '25:00' },
      },
    });
    expect(bad.status).toBe(400);
    const text = JSON.stringify(bad.body);
    expect(text).toContain('send');
    const segment = await stack().call('POST', '/v1/campaigns', {
      json: { name: 'bad', segment: { field: 'contry', op: 'eq', value: 'BR' }, message: MESSAGE },
    });
    expect(segment.status).toBe(400);
    expect(JSON.stringify(segment.body)).toContain('segment.field');
    const template = await stack().call('POST', '/v1/campaigns', {
      json: {
        name: 'bad',
        segment: { field: 'country', op: 'eq', value: 'BR' },
        message: { ...MESSAGE, template: 'nope' },
      },
    });
    expect(template.status).toBe(400);
    expect(JSON.stringify(template.body)).toContain('message.template');
    const unknownSegment = await stack().call('POST', '/v1/campaigns', {
      json: { name: 'bad', segment: 'no-such-segment', message: MESSAGE },
    });
    expect(unknownSegment.status).toBe(400);
    expect((await stack().call('GET', '/v1/campaigns')).body.campaigns).toEqual([]);
  });

  it('dry-runs, then runs a draft: progress, lifecycle conflicts, and a cancel that withdraws pending candidates', async () => {
    const cohort = uniqueId('cohort');
    const users = Array.from({ length: 6 }, (_, i) => `${cohort}-${i}`);
    for (const [i, id] of users.entries()) {
      const timeZone = i % 2 === 0 ? 'America/Sao_Paulo' : 'Asia/Tokyo';
      await stack().repos.users.upsert({ id, timeZone, locale: 'pt-BR', attributes: { cohort } }, wallClock());
    }
    const segment = { field: 'attributes.cohort', op: 'eq', value: cohort };

    const dry = await stack().call('POST', '/v1/campaigns', {
      json: { name: 'Dry', segment, message: MESSAGE, send: LATER, dryRun: true },
    });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.count).toBe(users.length);
    const tokyo = dry.body.sample.find((s: { timeZone: string }) => s.timeZone === 'Asia/Tokyo');
    expect(tokyo.sendAt).toBe('2099-03-02T00:00:00.000Z');
    expect((await stack().call('GET', '/v1/campaigns')).body.campaigns).toEqual([]);

    const id = uniqueId('spring').toLowerCase();
    const created = await stack().call('POST', '/v1/campaigns', {
      json: { id, name: 'Spring', segment, message: MESSAGE, send: LATER, ratePerSecond: 50 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.status).toBe('draft');
    expect((await stack().call('POST', `/v1/campaigns/${id}:pause`)).status).toBe(409);
    expect((await stack().call('POST', `/v1/campaigns/${id}:start`)).status).toBe(202);
    expect((await stack().call('POST', `/v1/campaigns/${id}:start`)).status).toBe(409);

    const progressed = await eventually('every member handed over', async () => {
      const got = await stack().call('GET', `/v1/campaigns/${id}`);
      return got.body.progress?.handedOver === users.length ? got.body : undefined;
    });
    expect(progressed).toMatchObject({
      status: 'running',
      progress: { segmentSize: users.length, targeted: users.length },
    });
    // Every member's workflow holds the campaign's candidate, waiting for 09:00 local.
    const state = await eventually('the candidate queued', async () => {
      const s = await stack().spy.state(nth(users, 1));
      return s !== null && s.queue.length === 1 ? s : undefined;
    });
    expect(state.queue[0]).toMatchObject({
      source: 'campaign',
      sourceId: id,
      notBefore: Date.parse('2099-03-02T00:00:00Z'),
    });
    expect((await stack().call('POST', `/v1/campaigns/${id}:pause`)).status).toBe(409);

    const cancelled = await stack().call('POST', `/v1/campaigns/${id}:cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    for (const user of users) {
      await eventually(`${user}'s candidate withdrawn`, async () => {
        const s = await stack().spy.state(user);
        return s !== null &&
          s.queue.length === 0 &&
          s.recentDecisions.some((d) => d.outcome.kind === 'suppressed' && d.outcome.reason === 'cancelled')
          ? true
          : undefined;
      });
    }
    await eventually('the cancel recorded', async () => {
      const got = await stack().call('GET', `/v1/campaigns/${id}`);
      return got.body.status === 'cancelled' ? true : undefined;
    });
  });

  it('manages a scheduled rule: create, list, pause, resume, trigger, delete; a bad rule is a 400', async () => {
    const bad = await stack().call('POST', '/v1/schedules', {
      json: {
        id: 'bad',
        name: 'Bad',
        segment: { field: 'country', op: 'eq', value: 'BR' },
        message: MESSAGE,
        every: { monthly: 31 },
        localTime: '08:00',
      },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('every');
    const id = uniqueId('weekly').toLowerCase();
    const created = await stack().call('POST', '/v1/schedules', {
      json: {
        id,
        name: 'Weekly',
        segment: { field: 'country', op: 'eq', value: 'BR' },
        message: MESSAGE,
        every: { weekly: 'monday' },
        localTime: '08:00',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id, paused: false, firings: 0 });
    // Each firing is 12:00 UTC on a Sunday, the day before the Monday it opens.
    for (const at of created.body.nextFirings.map((t: string) => new Date(t))) {
      expect([at.getUTCDay(), at.getUTCHours(), at.getUTCMinutes()]).toEqual([0, 12, 0]);
    }
    expect((await stack().call('POST', '/v1/schedules', { json: { ...created.body, spec: undefined } })).status).toBe(
      400,
    );
    const list = await stack().call('GET', '/v1/schedules');
    expect(list.body.schedules.map((r: { id: string }) => r.id)).toContain(id);
    expect((await stack().call('POST', `/v1/schedules/${id}:pause`)).body.paused).toBe(true);
    expect((await stack().call('POST', `/v1/schedules/${id}:resume`)).body.paused).toBe(false);
    expect((await stack().call('POST', `/v1/schedules/${id}:trigger`)).status).toBe(200);
    // Temporal's trigger is an action now: the rule's message goes now, not at the next occurrence's 08:00.
    const triggered = await eventually('the triggered campaign', async () => {
      const campaigns = await stack().call('GET', '/v1/campaigns');
      return campaigns.body.campaigns.find((c: { id: string }) => c.id.startsWith(`${id}.now-`));
    });
    expect(triggered.spec.sendTime).toMatchObject({ kind: 'now' });
    expect((await stack().call('DELETE', `/v1/schedules/${id}`)).status).toBe(204);
    expect((await stack().call('POST', `/v1/schedules/${id}:pause`)).status).toBe(404);
  });
});
