// Event and receipt idempotency. Events are durable first (docs/ingestion.md): one statement stores the event, its id
// and its queue row, and the dispatcher signals it afterwards, in order per user, retrying while Temporal fails.
// Receipts are claimed (pending) while signalled: a repeat during the signal answers 409 + Retry-After, a repeat after
// a crash re-signals. Real database; the Temporal boundary is scripted so that failures and overlaps happen on demand.
import { describe, expect, it } from 'vitest';
import { uniqueId } from './support';
import { useScriptedApi } from './scripted-workflows';
import { wallClock } from '../../clock';
import { durationMs, subMs } from '../../domain/units';
import { nth } from '../../domain/present';

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

async function queued(userId: string): Promise<{ item: string; delivered: boolean }[]> {
  const { rows } = await api().db.pool.query<{ item: string; delivered: boolean }>(
    'SELECT item_id AS item, delivered_at IS NOT NULL AS delivered FROM ingest_queue WHERE user_id = $1 ORDER BY seq',
    [userId],
  );
  return rows;
}

const sentIds = (userId: string) =>
  api()
    .workflows.signalsOf('sendEvent', userId)
    .map((c) => (c.args as { id: string }).id);

describe('POST /v1/events idempotency, durable first', () => {
  it('answers after one durable write, before any signal; a repeat is a duplicate; the dispatcher signals it once', async () => {
    const userId = uniqueId('durable');
    const event = { id: 'evt-1', userId, type: 'friend_joined', properties: { friendId: 'f1', friendName: 'Ana' } };
    const first = await call('POST', '/v1/events', event);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'accepted', candidateIds: [expect.stringMatching(/^evt-1:\d+$/)] });
    expect(await statusOf(userId, event.id)).toBe('applied');
    expect(await queued(userId)).toEqual([{ item: 'evt-1', delivered: false }]);
    expect(sentIds(userId)).toEqual([]);
    // The event is stored in full, with the properties no rule reads (the signal carries only the ones rules read).
    const { rows } = await api().db.pool.query<{ event: { properties: Record<string, unknown> } }>(
      'SELECT event FROM events_accepted WHERE user_id = $1',
      [userId],
    );
    expect(nth(rows, 0).event.properties).toEqual({ friendId: 'f1', friendName: 'Ana' });

    const repeat = await call('POST', '/v1/events', event);
    expect(repeat.body.status).toBe('duplicate');
    expect(await api().dispatcher.drain()).toBeGreaterThanOrEqual(1);
    expect(sentIds(userId)).toEqual(['evt-1']);
    expect(await queued(userId)).toEqual([{ item: 'evt-1', delivered: true }]);
    await api().dispatcher.drain();
    expect(sentIds(userId)).toEqual(['evt-1']);
  });

  it('keeps a user’s events in order while Temporal fails, and delivers each once when it is back', async () => {
    const userId = uniqueId('ordered');
    const other = uniqueId('other');
    const events = ['o-1', 'o-2', 'o-3'].map((id) => ({ id, userId, type: 'friend_joined' }));
    expect((await call('POST', '/v1/events:batch', { events })).body).toMatchObject({ accepted: 3, duplicates: 0 });
    expect((await call('POST', '/v1/events', { id: 'x-1', userId: other, type: 'friend_joined' })).status).toBe(202);
    api().workflows.down = true;
    await api().dispatcher.drain();
    expect(sentIds(userId)).toEqual([]);
    expect((await queued(userId)).every((row) => !row.delivered)).toBe(true);
    api().workflows.down = false;
    api().workflows.failNext();
    await api().dispatcher.drain();
    await api().dispatcher.drain();
    expect(sentIds(userId)).toEqual(['o-1', 'o-2', 'o-3']);
    expect(sentIds(other)).toEqual(['x-1']);
    expect((await queued(userId)).every((row) => row.delivered)).toBe(true);
  });

  it('takes over an id an older API version left pending when its request died; a fresh pending claim answers 409', async () => {
    const userId = uniqueId('crash');
    const crashedAt = subMs(wallClock(), durationMs(CLAIM_STALE_AFTER_MS + 1_000));
    expect((await api().repos.acceptedEvents.claim(userId, 'evt-lost', { now: crashedAt })).outcomes).toEqual([
      'claimed',
    ]);
    // A fresh claim (a request that may still be signalling) is not taken over.
    expect((await api().repos.acceptedEvents.claim(userId, 'evt-busy', { now: wallClock() })).outcomes).toEqual([
      'claimed',
    ]);

    const retry = await call('POST', '/v1/events', { id: 'evt-lost', userId, type: 'friend_joined' });
    expect(retry.status).toBe(202);
    expect(retry.body.status).toBe('accepted');
    await api().dispatcher.drain();
    expect(sentIds(userId)).toEqual(['evt-lost']);
    expect(await statusOf(userId, 'evt-lost')).toBe('applied');
    const busy = await call('POST', '/v1/events', { id: 'evt-busy', userId, type: 'friend_joined' });
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('3');
    const batch = await call('POST', '/v1/events:batch', {
      events: [
        { id: 'b-1', userId, type: 'friend_joined' },
        { id: 'evt-busy', userId, type: 'friend_joined' },
      ],
    });
    expect(batch.status).toBe(409);
    // The rest of that batch was written: its retry answers duplicate for it.
    expect(await statusOf(userId, 'b-1')).toBe('applied');
  });
});

describe('POST /v1/notifications/{id}/events idempotency', () => {
  async function sentNotification(): Promise<{ userId: string; id: string }> {
    const userId = uniqueId('receipt');
    await api().repos.users.upsert({ id: userId, timeZone: 'UTC', locale: 'en', attributes: {} }, wallClock());
    await api().repos.decisions.recordDecisions(userId, [
      { candidateId: 'n:0', category: 'social', outcome: { kind: 'sent', channel: 'push', at: wallClock() } },
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
    const crashedAt = subMs(wallClock(), durationMs(CLAIM_STALE_AFTER_MS + 1_000));
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
