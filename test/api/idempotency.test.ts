// Event and receipt idempotency when requests overlap or die: an id is claimed (pending) while it is signalled and
// applied only after the signal; a repeat during the signal answers 409 + Retry-After, a repeat after a crash
// re-signals. Real database; the Temporal boundary is scripted so that the overlaps happen on demand.
import { describe, expect, it } from 'vitest';
import { uniqueId } from './support';
import { useScriptedApi } from './scripted-workflows';

const CLAIM_STALE_AFTER_MS = 30_000;
const api = useScriptedApi({ retryAfterSeconds: 3, claimStaleAfterMs: CLAIM_STALE_AFTER_MS });

const call = (method: string, path: string, json?: unknown) =>
  api().call(method, path, json === undefined ? {} : { json });

async function statusOf(userId: string, eventId: string): Promise<string | undefined> {
  const { rows } = await api().db.pool.query<{ status: string }>(
    'SELECT status FROM events_accepted WHERE user_id = $1 AND event_id = $2',
    [userId, eventId],
  );
  return rows[0]?.status;
}

describe('POST /v1/events idempotency', () => {
  it('answers 409 + Retry-After to a repeat while the first is signalling, and applies the retry after it failed', async () => {
    const userId = uniqueId('overlap');
    const event = { id: 'evt-overlap', userId, type: 'friend_joined' };
    const held = api().workflows.holdNext();
    const first = call('POST', '/v1/events', event);
    await held.reached;
    expect(await statusOf(userId, event.id)).toBe('pending');

    const repeat = await call('POST', '/v1/events', event);
    expect(repeat.status, JSON.stringify(repeat.body)).toBe(409);
    expect(repeat.headers.get('retry-after')).toBe('3');
    expect(repeat.body.type).toBe('urn:tact:problem:event-in-flight');

    held.release('fail');
    expect((await first).status).toBe(503);
    expect(await statusOf(userId, event.id)).toBeUndefined();

    const retry = await call('POST', '/v1/events', event);
    expect(retry.status).toBe(202);
    expect(retry.body.status).toBe('accepted');
    expect(api().workflows.signalsOf('sendEvent', userId)).toHaveLength(1);
    expect(await statusOf(userId, event.id)).toBe('applied');
  });

  it('marks the id applied only after the signal went through; a later repeat is a duplicate', async () => {
    const userId = uniqueId('applied');
    const event = { id: 'evt-1', userId, type: 'friend_joined' };
    const held = api().workflows.holdNext();
    const first = call('POST', '/v1/events', event);
    await held.reached;
    expect(await statusOf(userId, event.id)).toBe('pending');
    held.release();
    expect((await first).body.status).toBe('accepted');
    expect(await statusOf(userId, event.id)).toBe('applied');
    const repeat = await call('POST', '/v1/events', event);
    expect(repeat.status).toBe(202);
    expect(repeat.body.status).toBe('duplicate');
    expect(api().workflows.signalsOf('sendEvent', userId)).toHaveLength(1);
  });

  it('re-signals an id left pending by a request that died before signalling, once its claim is stale', async () => {
    const userId = uniqueId('crash');
    const crashedAt = Date.now() - CLAIM_STALE_AFTER_MS - 1_000;
    expect((await api().repos.acceptedEvents.claim(userId, 'evt-lost', { now: crashedAt })).outcomes).toEqual([
      'claimed',
    ]);
    // A fresh claim (a request that may still be signalling) is not taken over.
    expect((await api().repos.acceptedEvents.claim(userId, 'evt-busy', { now: Date.now() })).outcomes).toEqual([
      'claimed',
    ]);

    const retry = await call('POST', '/v1/events', { id: 'evt-lost', userId, type: 'friend_joined' });
    expect(retry.status).toBe(202);
    expect(retry.body.status).toBe('accepted');
    expect(
      api()
        .workflows.signalsOf('sendEvent', userId)
        .map((c) => (c.args as { id: string }).id),
    ).toEqual(['evt-lost']);
    expect(await statusOf(userId, 'evt-lost')).toBe('applied');
    expect((await call('POST', '/v1/events', { id: 'evt-busy', userId, type: 'friend_joined' })).status).toBe(409);
  });

  it('a batch with an id in flight applies nothing, answers 409 and leaves no claim of its own behind', async () => {
    const userId = uniqueId('batch');
    const held = api().workflows.holdNext();
    const single = call('POST', '/v1/events', { id: 'b-2', userId, type: 'friend_joined' });
    await held.reached;
    const batch = await call('POST', '/v1/events:batch', {
      events: [
        { id: 'b-1', userId, type: 'friend_joined' },
        { id: 'b-2', userId, type: 'friend_joined' },
        { id: 'b-3', userId, type: 'friend_joined' },
      ],
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(409);
    expect(batch.headers.get('retry-after')).toBe('3');
    expect(await statusOf(userId, 'b-1')).toBeUndefined();
    expect(await statusOf(userId, 'b-3')).toBeUndefined();
    held.release();
    expect((await single).status).toBe(202);

    const retry = await call('POST', '/v1/events:batch', {
      events: [
        { id: 'b-1', userId, type: 'friend_joined' },
        { id: 'b-2', userId, type: 'friend_joined' },
        { id: 'b-3', userId, type: 'friend_joined' },
      ],
    });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(
      api()
        .workflows.signalsOf('sendEvent', userId)
        .map((c) => (c.args as { id: string }).id),
    ).toEqual(['b-2', 'b-1', 'b-3']);
    expect(await statusOf(userId, 'b-1')).toBe('applied');
  });

  it('a batch whose signals fail part-way applies the sent ones and releases the rest for the retry', async () => {
    const [first, second] = [uniqueId('part-a'), uniqueId('part-b')];
    const body = {
      events: [
        { id: 'p-1', userId: first, type: 'friend_joined' },
        { id: 'p-2', userId: first, type: 'friend_joined' },
      ],
    };
    api().workflows.failNext();
    const failed = await call('POST', '/v1/events:batch', body);
    expect(failed.status).toBe(503);
    expect(await statusOf(first, 'p-1')).toBeUndefined();
    expect(await statusOf(first, 'p-2')).toBeUndefined();
    const retry = await call('POST', '/v1/events:batch', {
      events: [...body.events, { id: 'p-3', userId: second, type: 'friend_joined' }],
    });
    expect(retry.body).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(await statusOf(first, 'p-2')).toBe('applied');
  });
});

describe('POST /v1/notifications/{id}/events idempotency', () => {
  async function sentNotification(): Promise<{ userId: string; id: string }> {
    const userId = uniqueId('receipt');
    await api().repos.users.upsert({ id: userId, timeZone: 'UTC', locale: 'en', attributes: {} }, Date.now());
    await api().repos.decisions.recordDecisions(userId, [
      { candidateId: 'n:0', category: 'social', outcome: { kind: 'sent', channel: 'push', at: Date.now() } },
    ]);
    return { userId, id: 'n:0' };
  }

  it('answers 409 to a repeat while the first is signalling and applies the retry after it failed', async () => {
    const { userId, id } = await sentNotification();
    const held = api().workflows.holdNext();
    const first = call('POST', `/v1/notifications/${id}/events`, { type: 'opened', userId });
    await held.reached;
    const repeat = await call('POST', `/v1/notifications/${id}/events`, { type: 'opened', userId });
    expect(repeat.status, JSON.stringify(repeat.body)).toBe(409);
    expect(repeat.headers.get('retry-after')).toBe('3');
    held.release('fail');
    expect((await first).status).toBe(503);
    const retry = await call('POST', `/v1/notifications/${id}/events`, { type: 'opened', userId });
    expect(retry.body.status).toBe('recorded');
    expect(api().workflows.signalsOf('notificationEvent', userId)).toHaveLength(1);
    expect((await call('POST', `/v1/notifications/${id}/events`, { type: 'opened', userId })).body.status).toBe(
      'duplicate',
    );
  });

  it('re-signals a receipt left pending by a request that died, once its claim is stale', async () => {
    const { userId, id } = await sentNotification();
    const crashedAt = Date.now() - CLAIM_STALE_AFTER_MS - 1_000;
    const { outcome } = await api().repos.notificationEvents.claim(
      userId,
      { notificationId: id, type: 'delivered', at: crashedAt },
      { now: crashedAt },
    );
    expect(outcome).toBe('claimed');
    const retry = await call('POST', `/v1/notifications/${id}/events`, { type: 'delivered', userId });
    expect(retry.body.status).toBe('recorded');
    expect(api().workflows.signalsOf('notificationEvent', userId)).toHaveLength(1);
  });
});
