import { describe, expect, it } from 'vitest';
import { LedgerConflictError } from '../../db/errors';
import { AcceptedEventRepository } from '../../db/events-accepted';
import { LedgerRepository } from '../../db/ledger';
import { NotificationEventRepository } from '../../db/notification-events';
import { OutboxRepository } from '../../db/outbox';
import type { OutboxEntry } from '../../domain/ports';
import { useTestDatabase } from '../support/test-database';
import { utc } from '../support/instants';
import { addMs, days, durationMs, minutes, subMs, seconds, epochMs, scaleMs } from '../../domain/units';
import type { EpochMs } from '../../domain/types';

const T0 = utc(2025, 5, 1, 10, 0, 0);
const db = useTestDatabase();

describe('delivery ledger', () => {
  const ledger = () => new LedgerRepository(db().pool);
  const key = (n: number) => `push:ios:${String(n).padStart(64, '0')}`;
  const entry = (notificationId: string, n: number, userId = 'u1') =>
    ({ userId, notificationId, endpointKey: key(n), channel: 'push' }) as const;
  const at = (n: number, userId = 'u1') => ({ userId, notificationId: `n${n}`, endpointKey: key(n) });

  it('claim once: a second claim sees the first entry and its outcome', async () => {
    const repo = ledger();
    expect(await repo.claim(entry('n1', 1), T0)).toEqual({ held: true, sendAttempts: 1 });
    expect(await repo.claim(entry('n1', 1), addMs(T0, durationMs(5)))).toEqual({
      held: false,
      entry: { ...entry('n1', 1), status: 'pending', sendAttempts: 1, updatedAt: T0 },
    });
    await repo.markOutcome(at(1), { status: 'sent', providerMessageId: 'fcm-123' }, addMs(T0, durationMs(10)));
    expect(await repo.claim(entry('n1', 1), addMs(T0, durationMs(20)))).toEqual({
      held: false,
      entry: { ...entry('n1', 1), status: 'sent', providerMessageId: 'fcm-123', sendAttempts: 1, updatedAt: T0 + 10 },
    });
  });

  it('let exactly one of many concurrent claims win', async () => {
    const repo = ledger();
    const results = await Promise.all(Array.from({ length: 8 }, () => repo.claim(entry('n-race', 2), T0)));
    expect(results.filter((result) => result.held)).toHaveLength(1);
    expect(await repo.list('n-race')).toHaveLength(1);
  });

  it('keep two users whose notifications share an id apart (candidate ids are unique per user only)', async () => {
    const repo = ledger();
    expect(await repo.claim(entry('n-shared', 20, 'ua'), T0)).toMatchObject({ held: true });
    await repo.markOutcome({ userId: 'ua', notificationId: 'n-shared', endpointKey: key(20) }, { status: 'sent' }, T0);
    // Same notification id, same endpoint (an address or a device that changed hands), another user: a fresh claim.
    expect(await repo.claim(entry('n-shared', 20, 'ub'), addMs(T0, durationMs(1)))).toMatchObject({ held: true });
    await repo.markOutcome(
      { userId: 'ub', notificationId: 'n-shared', endpointKey: key(20) },
      { status: 'failed_permanent', error: 'x' },
      addMs(T0, durationMs(2)),
    );
    expect((await repo.list('n-shared', 'ua')).map((e) => [e.userId, e.status])).toEqual([['ua', 'sent']]);
    expect((await repo.list('n-shared', 'ub')).map((e) => [e.userId, e.status])).toEqual([['ub', 'failed_permanent']]);
    expect(await repo.list('n-shared')).toHaveLength(2);
  });

  it('treat a recent pending claim as in flight, and take over a stale one or a retryable failure', async () => {
    const repo = ledger();
    const window = minutes(1);
    const reference = { clientReference: 'ref-30' };
    expect(await repo.claim({ ...entry('n-fly', 30), ...reference }, T0, subMs(T0, window))).toEqual({
      held: true,
      sendAttempts: 1,
    });
    // Another attempt 30 s later: the first one may still be sending.
    expect(
      await repo.claim(entry('n-fly', 30), addMs(T0, seconds(30)), subMs(addMs(T0, seconds(30)), window)),
    ).toMatchObject({
      held: false,
      entry: { status: 'pending', updatedAt: T0 },
    });
    // Past the window the first attempt is presumed dead: exactly one of several concurrent attempts takes over.
    const later = epochMs(T0 + window + 1);
    const takeovers = await Promise.all(
      Array.from({ length: 6 }, () => repo.claim(entry('n-fly', 30), later, subMs(later, window))),
    );
    // The one that took over learns that an earlier attempt may have reached the provider.
    expect(takeovers.filter((r) => r.held)).toEqual([{ held: true, sendAttempts: 2 }]);
    expect(
      takeovers.filter((r) => !r.held && r.entry.status === 'pending' && r.entry.updatedAt === later),
    ).toHaveLength(5);

    const k = { userId: 'u1', notificationId: 'n-fly', endpointKey: key(30) };
    await repo.markOutcome(k, { status: 'failed_retryable', error: 'FCM 503' }, addMs(later, durationMs(1)));
    expect(
      await repo.claim(entry('n-fly', 30), addMs(later, durationMs(2)), subMs(addMs(later, durationMs(2)), window)),
    ).toEqual({
      held: true,
      sendAttempts: 3,
    });
    // The client reference of the first claim stays (a claim without one keeps it).
    expect((await repo.list('n-fly'))[0]).toEqual({
      ...entry('n-fly', 30),
      ...reference,
      status: 'pending',
      sendAttempts: 3,
      updatedAt: later + 2,
    });
    // Without a window, a claim never takes over.
    await repo.markOutcome(k, { status: 'failed_retryable', error: 'FCM 503' }, addMs(later, durationMs(3)));
    expect(await repo.claim(entry('n-fly', 30), addMs(later, durationMs(4)))).toMatchObject({
      entry: { status: 'failed_retryable' },
    });
    await repo.markOutcome(k, { status: 'sent' }, addMs(later, durationMs(5)));
    expect(
      await repo.claim(entry('n-fly', 30), addMs(later, scaleMs(window, 10)), addMs(later, scaleMs(window, 9))),
    ).toMatchObject({
      entry: { status: 'sent' },
    });
  });

  it('allow a retryable failure to be retried, then keep a final outcome final', async () => {
    const repo = ledger();
    await repo.claim(entry('n2', 3), T0);
    const k = { userId: 'u1', notificationId: 'n2', endpointKey: key(3) };
    await repo.markOutcome(k, { status: 'failed_retryable', error: 'FCM 429' }, addMs(T0, durationMs(1)));
    await repo.markOutcome(k, { status: 'sent', providerMessageId: 'm-1' }, addMs(T0, durationMs(2)));
    await repo.markOutcome(k, { status: 'sent', providerMessageId: 'm-2' }, addMs(T0, durationMs(3))); // a repeated retry
    await expect(
      repo.markOutcome(k, { status: 'failed_permanent', error: 'x' }, addMs(T0, durationMs(4))),
    ).rejects.toThrow(LedgerConflictError);
    expect(await repo.list('n2')).toEqual([
      { ...entry('n2', 3), status: 'sent', providerMessageId: 'm-1', sendAttempts: 1, updatedAt: T0 + 2 },
    ]);
  });

  it('refuse an outcome for a delivery never claimed (or claimed for another user)', async () => {
    await expect(ledger().markOutcome(at(4), { status: 'sent' }, T0)).rejects.toThrow(/without a claim/);
    await ledger().claim(entry('n4', 4, 'u-other'), T0);
    await expect(ledger().markOutcome(at(4), { status: 'sent' }, T0)).rejects.toThrow(/without a claim/);
  });

  it('list every endpoint of a notification', async () => {
    const repo = ledger();
    await repo.claim(entry('n3', 5), T0);
    await repo.claim(
      { userId: 'u1', notificationId: 'n3', endpointKey: 'email:ab12', channel: 'email' },
      addMs(T0, durationMs(1)),
    );
    await repo.markOutcome(
      { userId: 'u1', notificationId: 'n3', endpointKey: key(5) },
      { status: 'failed_permanent', error: 'UNREGISTERED' },
      addMs(T0, durationMs(2)),
    );
    expect((await repo.list('n3')).map((e) => [e.channel, e.status, e.error])).toEqual([
      ['push', 'failed_permanent', 'UNREGISTERED'],
      ['email', 'pending', undefined],
    ]);
    expect(await repo.list('n-unknown')).toEqual([]);
  });
});

describe('notification events', () => {
  const events = () => new NotificationEventRepository(db().pool);

  it('store the first event of each type per notification and ignore repeats', async () => {
    const repo = events();
    expect(await repo.record('ne-user', { notificationId: 'ne-1', type: 'delivered', at: T0 })).toBe(true);
    expect(
      await repo.record('ne-user', { notificationId: 'ne-1', type: 'delivered', at: addMs(T0, durationMs(9)) }),
    ).toBe(false);
    await repo.recordNotificationEvent('ne-user', {
      notificationId: 'ne-1',
      type: 'opened',
      at: addMs(T0, minutes(1)),
    });
    await repo.recordNotificationEvent('ne-user', {
      notificationId: 'ne-1',
      type: 'opened',
      at: addMs(T0, seconds(70)),
    });
    await repo.recordNotificationEvent('ne-user', { notificationId: 'ne-2', type: 'opened', at: T0 });
    expect(await repo.listByNotification('ne-1')).toEqual([
      { notificationId: 'ne-1', userId: 'ne-user', type: 'delivered', at: T0 },
      { notificationId: 'ne-1', userId: 'ne-user', type: 'opened', at: T0 + 60_000 },
    ]);
  });

  it('keep the receipts of two users whose notifications share an id apart', async () => {
    const repo = events();
    expect(await repo.record('ne-a', { notificationId: 'evt-1:0', type: 'opened', at: T0 })).toBe(true);
    expect(await repo.record('ne-b', { notificationId: 'evt-1:0', type: 'opened', at: addMs(T0, durationMs(5)) })).toBe(
      true,
    );
    expect(await repo.record('ne-b', { notificationId: 'evt-1:0', type: 'opened', at: addMs(T0, durationMs(9)) })).toBe(
      false,
    );
    expect(await repo.receiptsOf('ne-a', ['evt-1:0'])).toEqual(new Map([['evt-1:0', { opened: T0 }]]));
    expect(await repo.receiptsOf('ne-b', ['evt-1:0'])).toEqual(new Map([['evt-1:0', { opened: T0 + 5 }]]));
  });

  it('give the receipts of several notifications of a user in one map, without the ones that have none', async () => {
    const repo = events();
    await repo.record('ne-map', { notificationId: 'm-1', type: 'delivered', at: T0 });
    await repo.record('ne-map', { notificationId: 'm-1', type: 'converted', at: addMs(T0, durationMs(3)) });
    await repo.record('ne-map', { notificationId: 'm-2', type: 'engaged', at: addMs(T0, durationMs(4)) });
    await repo.record('ne-other', { notificationId: 'm-3', type: 'opened', at: T0 });
    expect(await repo.receiptsOf('ne-map', ['m-1', 'm-2', 'm-3', 'm-1'])).toEqual(
      new Map([
        ['m-1', { delivered: T0, converted: T0 + 3 }],
        ['m-2', { engaged: T0 + 4 }],
      ]),
    );
    expect(await repo.receiptsOf('ne-map', [])).toEqual(new Map());
  });

  it('delete a recorded event so that it can be recorded again, leaving the rest', async () => {
    const repo = events();
    await repo.record('ne-del', { notificationId: 'd-1', type: 'opened', at: T0 });
    await repo.record('ne-del', { notificationId: 'd-1', type: 'delivered', at: T0 });
    await repo.record('ne-del-2', { notificationId: 'd-1', type: 'opened', at: T0 });
    expect(await repo.delete('ne-del', 'd-1', 'opened')).toBe(true);
    expect(await repo.delete('ne-del', 'd-1', 'opened')).toBe(false);
    expect(await repo.receiptsOf('ne-del', ['d-1'])).toEqual(new Map([['d-1', { delivered: T0 }]]));
    expect(await repo.receiptsOf('ne-del-2', ['d-1'])).toEqual(new Map([['d-1', { opened: T0 }]]));
    expect(await repo.record('ne-del', { notificationId: 'd-1', type: 'opened', at: addMs(T0, durationMs(1)) })).toBe(
      true,
    );
  });
});

describe('dry-run outbox', () => {
  const outbox = () => new OutboxRepository(db().pool);
  const entry = (id: string, userId: string, createdAt: EpochMs, extra: Partial<OutboxEntry> = {}): OutboxEntry => ({
    id,
    dryRun: true,
    notificationId: `n-${id}`,
    userId,
    channel: 'push',
    endpointKey: `push:ios:${id}`,
    destination: 'ios:3f9a…',
    title: 'New activity',
    body: 'Ada liked your photo',
    createdAt,
    ...extra,
  });

  it('record entries once and list them newest first, per user or all', async () => {
    const repo = outbox();
    const email = entry('o2', 'ob-b', addMs(T0, durationMs(1)), {
      channel: 'email',
      destination: 'j***@example.com',
      subject: 'Hello',
      html: '<p>Hi</p>',
      data: { deepLink: 'app://x' },
    });
    await repo.record(entry('o1', 'ob-a', T0));
    await repo.record(email);
    await repo.record(entry('o3', 'ob-a', addMs(T0, durationMs(2))));
    await repo.record(entry('o1', 'ob-a', addMs(T0, durationMs(99)), { title: 'changed' }));

    expect(await repo.list({ limit: 10 })).toEqual([
      entry('o3', 'ob-a', addMs(T0, durationMs(2))),
      email,
      entry('o1', 'ob-a', T0),
    ]);
    expect((await repo.list({ userId: 'ob-a', limit: 1 })).map((e) => e.id)).toEqual(['o3']);
    await expect(repo.list({ limit: 0 })).rejects.toThrow(RangeError);
  });
});

describe('accepted events', () => {
  const accepted = () => new AcceptedEventRepository(db().pool);

  it('accept an event id once per user', async () => {
    const repo = accepted();
    expect(await repo.accept('ea-1', 'evt-1', T0)).toBe(true);
    expect(await repo.accept('ea-1', 'evt-1', addMs(T0, durationMs(1)))).toBe(false);
    expect(await repo.accept('ea-2', 'evt-1', T0)).toBe(true);
  });

  it('accept a batch in order, treating earlier and in-batch repeats as repeats', async () => {
    const repo = accepted();
    await repo.accept('eb', 'old', T0);
    expect(
      await repo.acceptMany(
        [
          { userId: 'eb', eventId: 'new-1' },
          { userId: 'eb', eventId: 'old' },
          { userId: 'eb', eventId: 'new-1' },
          { userId: 'eb-other', eventId: 'new-1' },
        ],
        T0,
      ),
    ).toEqual([true, false, false, true]);
    expect(await repo.acceptMany([], T0)).toEqual([]);
  });

  it('let exactly one of concurrent identical requests through', async () => {
    const repo = accepted();
    const results = await Promise.all(Array.from({ length: 6 }, () => repo.accept('ec', 'evt-race', T0)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('accept an event again after it was released (the hand-off failed)', async () => {
    const repo = accepted();
    await repo.accept('ed', 'evt-retry', T0);
    await repo.release('ed', 'evt-retry');
    expect(await repo.accept('ed', 'evt-retry', addMs(T0, durationMs(1)))).toBe(true);
  });

  it('prune ids accepted before a time', async () => {
    const repo = accepted();
    await repo.accept('ee', 'evt-old', subMs(T0, days(10)));
    await repo.accept('ee', 'evt-new', T0);
    expect(await repo.prune(subMs(T0, days(1)))).toBeGreaterThanOrEqual(1);
    expect(await repo.accept('ee', 'evt-old', T0)).toBe(true);
    expect(await repo.accept('ee', 'evt-new', T0)).toBe(false);
  });
});
