// The journey routes end to end (API, a real worker, PostgreSQL or PGlite, the bundled Temporal server): enrollment
// by API, an exit event posted to /v1/events ending the run, and GET /v1/journeys counting both; bad input answers
// 400/404 with nothing signalled.
import { describe, expect, it } from 'vitest';
import { eventually, uniqueId, useApiStack } from './support';

const stack = useApiStack({ worker: true });

describe('journeys API', () => {
  it('enrolls by API, ends the run on an exit event, and reports both', async () => {
    const userId = uniqueId('journey-user');
    const enrolled = await stack().call('POST', `/v1/users/${userId}/journeys/cart_abandonment`, {
      key: stack().keys.events,
      json: { data: { itemCount: 2, topItem: 'Red shoes' } },
    });
    expect(enrolled.status).toBe(202);
    expect(enrolled.body).toMatchObject({ userId, journey: 'cart_abandonment', status: 'accepted' });

    const active = await eventually('the run recorded', async () => {
      const res = await stack().call('GET', '/v1/journeys/cart_abandonment', { key: stack().keys.usersRead });
      return res.body.active === 1 ? res : undefined;
    });
    expect(active.body).toMatchObject({ journey: 'cart_abandonment', version: 1, enrolled: 1, completed: 0 });
    const state = await eventually('the run in the state', async () => {
      const res = await stack().call('GET', `/v1/users/${userId}/state`, { key: stack().keys.usersRead });
      return res.body.journeys?.active?.length === 1 ? res : undefined;
    });
    expect(state.body.journeys.active[0]).toMatchObject({ journey: 'cart_abandonment', step: 'enrolled' });

    const purchase = await stack().call('POST', '/v1/events', {
      key: stack().keys.events,
      json: { id: uniqueId('buy'), userId, type: 'purchase_completed', properties: { orderId: 'o1' } },
    });
    expect(purchase.status).toBe(202);
    const ended = await eventually('the exit recorded', async () => {
      const res = await stack().call('GET', '/v1/journeys', { key: stack().keys.usersRead });
      const cart = res.body.journeys.find((j: { journey: string }) => j.journey === 'cart_abandonment');
      return cart?.exited?.['exit:purchase_completed'] === 1 ? cart : undefined;
    });
    expect(ended).toMatchObject({ enrolled: 1, active: 0, converted: 1, sends: 0 });
  });

  it('answers 404 for an unknown journey and 400 for bad data, signalling nothing', async () => {
    const userId = uniqueId('journey-bad');
    const before = stack().spy.signalsFor(userId);
    const unknown = await stack().call('POST', `/v1/users/${userId}/journeys/no_such_journey`, { json: {} });
    expect(unknown.status).toBe(404);
    const bad = await stack().call('POST', `/v1/users/${userId}/journeys/cart_abandonment`, {
      json: { data: { nested: { no: 1 } } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('data');
    expect((await stack().call('GET', '/v1/journeys/no_such_journey', { key: stack().keys.usersRead })).status).toBe(
      404,
    );
    expect(stack().spy.signalsFor(userId)).toBe(before);
  });
});
