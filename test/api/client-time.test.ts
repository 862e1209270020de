// Client-reported times (`occurredAt`, receipt `at`) never reach a workflow in the future: a little ahead is
// clamped to the server time, far ahead is a 400 naming the field.
import { describe, expect, it } from 'vitest';
import { clampClientTime, MAX_CLIENT_CLOCK_AHEAD_MS } from '../../api/client-time';
import { uniqueId } from './support';
import { useScriptedApi } from './scripted-workflows';
import { utc } from '../support/instants';
import { minutes, subMs, addMs, durationMs } from '../../domain/units';
import { wallClock } from '../../clock';
import type { EpochMs } from '../../domain/types';
import { present } from '../../domain/present';

const api = useScriptedApi();
const iso = (ms: number) => new Date(ms).toISOString();
const FIVE_YEARS_MS = 5 * 365 * 86_400_000;

describe('client-reported times', () => {
  it('clamps a time slightly ahead to now, keeps past times, rejects far-future ones', () => {
    const now = utc(2030, 0, 1);
    expect(clampClientTime(undefined, now)).toBe(now);
    expect(clampClientTime(subMs(now, minutes(1)), now)).toBe(subMs(now, minutes(1)));
    expect(clampClientTime(addMs(now, durationMs(MAX_CLIENT_CLOCK_AHEAD_MS)), now)).toBe(now);
    expect(clampClientTime(addMs(now, durationMs(MAX_CLIENT_CLOCK_AHEAD_MS + 1)), now)).toBeNull();
  });

  it('rejects a receipt five years ahead with 400 and records nothing; clamps one a minute ahead', async () => {
    const userId = uniqueId('future');
    await api().repos.users.upsert({ id: userId, timeZone: 'UTC', locale: 'en', attributes: {} }, wallClock());
    await api().repos.decisions.recordDecisions(userId, [
      { candidateId: 'f:0', category: 'social', outcome: { kind: 'sent', channel: 'push', at: wallClock() } },
    ]);
    const far = await api().call('POST', '/v1/notifications/f:0/events', {
      json: { type: 'opened', userId, at: iso(Date.now() + FIVE_YEARS_MS) },
    });
    expect(far.status).toBe(400);
    expect(far.body.errors).toEqual([expect.objectContaining({ field: 'at' })]);
    expect(api().workflows.signalsOf('notificationEvent', userId)).toHaveLength(0);

    const before = Date.now();
    const near = await api().call('POST', '/v1/notifications/f:0/events', {
      json: { type: 'opened', userId, at: iso(Date.now() + 60_000) },
    });
    expect(near.status).toBe(202);
    const [signal] = api().workflows.signalsOf('notificationEvent', userId);
    const at = (present(signal, 'signal').args as { at: EpochMs }).at;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    const stored = await api().repos.notificationEvents.listByNotification('f:0');
    expect(stored.map((e) => e.at)).toEqual([at]);
  });

  it('rejects far-future event times, naming each bad event of a batch, and applies none of the batch', async () => {
    const userId = uniqueId('future-evt');
    const single = await api().call('POST', '/v1/events', {
      json: { id: 'e-1', userId, type: 'app_opened', occurredAt: iso(Date.now() + FIVE_YEARS_MS) },
    });
    expect(single.status).toBe(400);
    expect(single.body.errors).toEqual([expect.objectContaining({ field: 'occurredAt' })]);
    const batch = await api().call('POST', '/v1/events:batch', {
      json: {
        events: [
          { id: 'e-2', userId, type: 'app_opened' },
          { id: 'e-3', userId, type: 'app_opened', occurredAt: iso(Date.now() + 3_600_000) },
        ],
      },
    });
    expect(batch.status).toBe(400);
    expect(batch.body.errors.map((e: { field: string }) => e.field)).toEqual(['events[1].occurredAt']);
    expect(api().workflows.signalsOf('sendEvent', userId)).toHaveLength(0);
    const near = await api().call('POST', '/v1/events', {
      json: { id: 'e-4', userId, type: 'friend_joined', occurredAt: iso(Date.now() + 30_000) },
    });
    expect(near.status).toBe(202);
    await api().dispatcher.drain();
    const [signal] = api().workflows.signalsOf('sendEvent', userId);
    expect((present(signal, 'signal').args as { occurredAt: number }).occurredAt).toBeLessThanOrEqual(Date.now());
  });
});
