// The API over real HTTP, through to the user workflows on Temporal and the decision log in PostgreSQL.
import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken } from '../../activities/delivery';
import { eventually, uniqueId, UNSUBSCRIBE_SECRET, useApiStack, type ApiResponse } from './support';
import { wallClock } from '../../clock';
import { present } from '../../domain/present';

const stack = useApiStack({ worker: true });

function hhmm(minuteOfDay: number): string {
  const minute = ((minuteOfDay % 1440) + 1440) % 1440;
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** A UTC quiet window around now, so normal notifications wait instead of going out at once. */
function quietWindowAroundNow(endInMinutes: number): { start: string; end: string } {
  const nowMinute = Math.floor(Date.now() / 60_000) % 1440;
  return { start: hhmm(nowMinute - 60), end: hhmm(nowMinute + endInMinutes) };
}

async function createUser(userId: string, profile = { timeZone: 'UTC', locale: 'en' }): Promise<void> {
  const put = await stack().call('PUT', `/v1/users/${userId}`, { json: profile });
  expect(put.status, JSON.stringify(put.body)).toBe(201);
}

async function decisionsOf(userId: string, query = ''): Promise<ApiResponse> {
  return stack().call('GET', `/v1/users/${userId}/decisions${query}`);
}

function expectProblem(response: ApiResponse, status: number): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.status).toBe(status);
}

describe('events through to the decision log', () => {
  it('an event in gives a decision in the log and a labelled dry-run delivery in the outbox', async () => {
    const userId = uniqueId('alert');
    await createUser(userId, { timeZone: 'Asia/Tokyo', locale: 'ja' });
    const device = await stack().call('PUT', `/v1/users/${userId}/devices/${'ab12'.repeat(16)}`, {
      json: { platform: 'ios' },
    });
    expect(device.status).toBe(201);
    const sent = await stack().call('POST', '/v1/events', {
      key: stack().keys.events,
      json: { id: 'evt-1', userId, type: 'password_reset', properties: { requestedFrom: 'Osaka' } },
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({
      id: 'evt-1',
      userId,
      status: 'accepted',
      candidateIds: ['evt-1:0'],
      matchedRules: ['password_reset'],
    });

    const page = await eventually('a decision', async () => {
      const response = await decisionsOf(userId);
      return response.body.decisions?.length > 0 ? response.body : undefined;
    });
    expect(page.liveDecisions).toBe('included');
    expect(page.decisions).toEqual([
      {
        candidateId: 'evt-1:0',
        category: 'security',
        outcome: 'sent',
        channel: 'push',
        at: expect.any(String),
        receipts: {},
        recorded: true,
        source: 'event',
        sourceId: 'evt-1',
        template: 'password_reset',
        configVersion: expect.any(String),
      },
    ]);
    const outbox = await stack().call('GET', `/v1/outbox?userId=${userId}`);
    expect(outbox.status).toBe(200);
    expect(outbox.body.dryRun).toBe(true);
    expect(outbox.body.entries).toHaveLength(1);
    expect(outbox.body.entries[0]).toMatchObject({ dryRun: true, notificationId: 'evt-1:0', channel: 'push' });
    expect(outbox.body.entries[0].destination).not.toContain('ab12ab12ab12');

    // Receipts reach the store (once) and the workflow.
    const opened = await stack().call('POST', '/v1/notifications/evt-1:0/events', {
      key: stack().keys.events,
      json: { type: 'opened' },
    });
    expect(opened.status).toBe(202);
    expect(opened.body).toEqual({ notificationId: 'evt-1:0', userId, type: 'opened', status: 'recorded' });
    const again = await stack().call('POST', '/v1/notifications/evt-1:0/events', { json: { type: 'opened' } });
    expect(again.body.status).toBe('duplicate');
    expect(stack().spy.signalsFor(userId, 'notificationEvent')).toBe(1);
    expect(await stack().repos.notificationEvents.listByNotification('evt-1:0')).toHaveLength(1);
    const unknownUser = await stack().call('POST', '/v1/notifications/evt-1:0/events', {
      json: { type: 'converted', userId: uniqueId('other') },
    });
    expectProblem(unknownUser, 404);

    // The receipt shows in the decision log (one query, joined) and in the workflow's state.
    const openedAt = Date.parse(present(opened.headers.get('date'), "opened.headers.get('date')"));
    const logged = (await decisionsOf(userId)).body.decisions[0];
    expect(Object.keys(logged.receipts)).toEqual(['opened']);
    expect(Math.abs(Date.parse(logged.receipts.opened) - openedAt)).toBeLessThan(5_000);
    const state = await eventually('the open in the workflow state', async () => {
      const response = await stack().call('GET', `/v1/users/${userId}/state`);
      return response.body.recentSends?.[0]?.openedAt ? response.body : undefined;
    });
    expect(state.recentSends).toEqual([
      {
        notificationId: 'evt-1:0',
        category: 'security',
        channel: 'push',
        sentAt: logged.at,
        openedAt: logged.receipts.opened,
      },
    ]);
  });

  it('keeps receipts of notifications that share an id apart per user, asking for the user when ambiguous', async () => {
    const [first, second] = [uniqueId('twin-a'), uniqueId('twin-b')];
    await createUser(first);
    await createUser(second);
    const at = wallClock();
    await stack().repos.decisions.recordDecisions(first, [
      { candidateId: 'shared:0', category: 'social', outcome: { kind: 'sent', channel: 'push', at } },
    ]);
    const alone = await stack().call('POST', '/v1/notifications/shared:0/events', { json: { type: 'delivered' } });
    expect(alone.status, JSON.stringify(alone.body)).toBe(202);
    expect(alone.body.userId).toBe(first);
    await stack().repos.decisions.recordDecisions(second, [
      { candidateId: 'shared:0', category: 'social', outcome: { kind: 'sent', channel: 'push', at } },
    ]);
    const before = stack().spy.signals;
    expectProblem(await stack().call('POST', '/v1/notifications/shared:0/events', { json: { type: 'opened' } }), 409);
    expect(stack().spy.signals).toBe(before);
    const named = await stack().call('POST', '/v1/notifications/shared:0/events', {
      json: { type: 'delivered', userId: second },
    });
    expect(named.body).toMatchObject({ userId: second, status: 'recorded' });
    const receiptsOf = async (userId: string) => (await decisionsOf(userId)).body.decisions[0].receipts;
    expect(Object.keys(await receiptsOf(first))).toEqual(['delivered']);
    expect(Object.keys(await receiptsOf(second))).toEqual(['delivered']);
  });

  it('a repeated event id is accepted but applied once, singly or in a batch', async () => {
    const userId = uniqueId('repeat');
    await createUser(userId);
    const event = { id: 'same-id', userId, type: 'new_content', properties: { contentId: 'c1', title: 'Hi' } };
    const first = await stack().call('POST', '/v1/events', { json: event });
    const second = await stack().call('POST', '/v1/events', { json: event });
    const batch = await stack().call('POST', '/v1/events:batch', {
      json: {
        events: [event, { ...event, id: 'other-id', properties: { contentId: 'c2' } }, { ...event, id: 'other-id' }],
      },
    });
    expect([first.body.status, second.body.status]).toEqual(['accepted', 'duplicate']);
    expect(batch.status).toBe(202);
    expect(batch.body).toMatchObject({ accepted: 1, duplicates: 2 });
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'accepted', 'duplicate']);
    await stack().delivered();
    expect(stack().spy.signalsFor(userId, 'sendEvent')).toBe(2);
    const state = await eventually('both events processed', async () => {
      const response = await stack().call('GET', `/v1/users/${userId}/state`);
      return response.body.stats?.events === 2 && response.body.inboxSize === 0 ? response.body : undefined;
    });
    expect(state.stats.duplicateEvents).toBe(0);
    expect(state.stats.candidatesAdmitted).toBe(2);
  });

  it('an opt-out drops the pending candidate at once, logged opted_out', async () => {
    const userId = uniqueId('optout');
    await createUser(userId);
    await stack().call('PATCH', `/v1/users/${userId}/preferences`, { json: { quietHours: quietWindowAroundNow(120) } });
    await stack().call('POST', '/v1/events', {
      json: { id: 'fj-1', userId, type: 'friend_joined', properties: { friendId: 'f1', friendName: 'Ana' } },
    });
    const waiting = await eventually('the candidate to wait in the queue', async () => {
      const response = await stack().call('GET', `/v1/users/${userId}/state`);
      return response.body.queue?.length === 1 ? response.body : undefined;
    });
    expect(waiting.queue[0].id).toMatch(/^fj-1:\d+$/);

    const patch = await stack().call('PATCH', `/v1/users/${userId}/preferences`, {
      key: stack().keys.usersWrite,
      json: { globalOptOut: true },
    });
    expect(patch.status).toBe(200);
    expect(patch.body.globalOptOut).toBe(true);
    // The workflow runs with the default decision-log delay (24 h): the suppression is not written yet, and the
    // log shows it at once from the workflow.
    const page = await eventually('the opted_out decision', async () => {
      const response = await decisionsOf(userId, '?outcome=opted_out');
      return response.body.decisions?.length === 1 ? response.body : undefined;
    });
    expect(page.liveDecisions).toBe('included');
    expect(page.decisions[0]).toMatchObject({
      candidateId: waiting.queue[0].id,
      outcome: 'suppressed',
      reason: 'opted_out',
      recorded: false,
    });
    expect(page.decisions[0].receipts).toBeUndefined();
    expect((await stack().repos.decisions.list(userId)).decisions).toEqual([]);
    expect((await decisionsOf(userId, '?outcome=sent')).body.decisions).toEqual([]);
    const state = await stack().call('GET', `/v1/users/${userId}/state`, { key: stack().keys.usersRead });
    expect(state.body.queue).toEqual([]);
    expect(state.body.preferences.globalOptOut).toBe(true);

    // The next send (critical, so it goes despite the opt-out) writes the buffered suppression with it: both are
    // in the log once, recorded.
    await stack().call('PUT', `/v1/users/${userId}/devices/${'5e'.repeat(32)}`, { json: { platform: 'ios' } });
    await stack().call('POST', '/v1/events', { json: { id: 'reset-1', userId, type: 'password_reset' } });
    const both = await eventually('both decisions written', async () => {
      const response = await decisionsOf(userId);
      return response.body.decisions?.length === 2 &&
        response.body.decisions.every((d: { recorded: boolean }) => d.recorded)
        ? response.body.decisions
        : undefined;
    });
    expect(both.map((d: { candidateId: string; outcome: string }) => [d.candidateId, d.outcome])).toEqual([
      ['reset-1:0', 'sent'],
      [waiting.queue[0].id, 'suppressed'],
    ]);
  });

  it('a preference change re-plans at once, visible in state', async () => {
    const userId = uniqueId('replan');
    await createUser(userId);
    await stack().call('PATCH', `/v1/users/${userId}/preferences`, { json: { quietHours: quietWindowAroundNow(60) } });
    await stack().call('POST', '/v1/events', {
      json: { id: 'streak-1', userId, type: 'streak_at_risk', properties: { streakDay: 'd1', streakLength: 9 } },
    });
    const before = await eventually('a planned send', async () => {
      const response = await stack().call('GET', `/v1/users/${userId}/state`);
      return response.body.nextPlannedSend ? response.body : undefined;
    });
    const plannedMinute = Math.floor(Date.parse(before.nextPlannedSend.at) / 60_000) % 1440;

    // Quiet hours now cover the planned time: the plan must move out of them.
    const window = { start: hhmm(plannedMinute - 60), end: hhmm(plannedMinute + 90) };
    const patch = await stack().call('PATCH', `/v1/users/${userId}/preferences`, { json: { quietHours: window } });
    expect(patch.body.quietHours).toEqual(window);
    const after = await eventually('the re-plan', async () => {
      const response = await stack().call('GET', `/v1/users/${userId}/state`);
      const replanned =
        response.body.preferences?.quietHours?.end === window.end &&
        response.body.nextPlannedSend?.at !== before.nextPlannedSend.at;
      return replanned ? response.body : undefined;
    });
    if (after.nextPlannedSend !== null) {
      const minute = Math.floor(Date.parse(after.nextPlannedSend.at) / 60_000) % 1440;
      const offset = (minute - (plannedMinute - 60) + 1440) % 1440;
      expect(
        offset,
        `re-planned to ${after.nextPlannedSend.at}, inside quiet hours ${window.start}–${window.end}`,
      ).toBeGreaterThanOrEqual(150);
      expect(after.nextPlannedSend.atLocal).toContain('UTC');
    } else {
      // Re-planned to go at once (now is outside the new window): the decision is in the log.
      const page = await eventually('the decision', async () => {
        const response = await decisionsOf(userId);
        return response.body.decisions?.length === 1 ? response.body : undefined;
      });
      expect(page.decisions[0].candidateId).toBe(before.queue[0].id);
    }
  });

  it('applies a batch across users, each user in order', async () => {
    const users = [uniqueId('batch-a'), uniqueId('batch-b'), uniqueId('batch-c')];
    const events = users.flatMap((userId) =>
      // A type some rule matches: an event that makes no candidate is not signalled at all.
      [1, 2, 3].map((n) => ({
        id: `b-${n}`,
        userId,
        type: 'new_content',
        occurredAt: new Date().toISOString(),
        properties: { contentId: `c-${n}` },
      })),
    );
    const response = await stack().call('POST', '/v1/events:batch', { key: stack().keys.events, json: { events } });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ accepted: 9, duplicates: 0 });
    for (const userId of users) {
      await eventually(`the events of ${userId}`, async () => {
        const state = await stack().call('GET', `/v1/users/${userId}/state`);
        return state.body.stats?.events === 3 ? true : undefined;
      });
    }
  });

  it('pages the decision log newest first, with a cursor and an outcome filter', async () => {
    const userId = uniqueId('paging');
    await createUser(userId);
    await stack().call('PATCH', `/v1/users/${userId}/preferences`, { json: { quietHours: quietWindowAroundNow(120) } });
    for (const n of [1, 2, 3]) {
      await stack().call('POST', '/v1/events', {
        json: { id: `p-${n}`, userId, type: 'friend_joined', properties: { friendId: `f${n}` } },
      });
    }
    await eventually('three pending', async () => {
      const response = await stack().call('GET', `/v1/users/${userId}/state`);
      return response.body.queue?.length === 3 ? true : undefined;
    });
    await stack().call('PATCH', `/v1/users/${userId}/preferences`, { json: { optedOutCategories: ['social'] } });
    await eventually('three decisions', async () => {
      const response = await decisionsOf(userId);
      return response.body.decisions?.length === 3 ? true : undefined;
    });
    const first = await decisionsOf(userId, '?limit=2');
    expect(first.body.decisions).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await decisionsOf(userId, `?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.decisions).toHaveLength(1);
    expect(second.body.nextCursor).toBeUndefined();
    const all = [...first.body.decisions, ...second.body.decisions];
    expect(new Set(all.map((d: { candidateId: string }) => d.candidateId)).size).toBe(3);
    const times = all.map((d: { at: string }) => Date.parse(d.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.every((d: { recorded: boolean }) => !d.recorded)).toBe(true);
    expect((await decisionsOf(userId, '?outcome=sent')).body.decisions).toEqual([]);
    expectProblem(await decisionsOf(userId, '?cursor=bm90LWEtY3Vyc29y'), 400);
    expectProblem(await decisionsOf(userId, '?outcome=bogus&limit=0'), 400);
  });
});

describe('profile, devices and unsubscribe', () => {
  it('stores the canonical time zone and locale and reads them back', async () => {
    const userId = uniqueId('profile');
    const put = await stack().call('PUT', `/v1/users/${userId}`, {
      json: { timeZone: 'america/sao_paulo', locale: 'pt-br', attributes: { plan: 'pro', tags: ['a'] } },
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ timeZone: 'America/Sao_Paulo', locale: 'pt-BR', attributes: { plan: 'pro' } });
    const replaced = await stack().call('PUT', `/v1/users/${userId}`, {
      json: { timeZone: 'Europe/Lisbon', locale: 'pt' },
    });
    expect(replaced.status).toBe(200);
    const read = await stack().call('GET', `/v1/users/${userId}`, { key: stack().keys.usersRead });
    expect(read.body).toMatchObject({ timeZone: 'Europe/Lisbon', locale: 'pt', attributes: {} });
    const state = await eventually('the profile in the workflow', async () => {
      const response = await stack().call('GET', `/v1/users/${userId}/state`);
      return response.body.profile?.timeZone === 'Europe/Lisbon' ? response.body : undefined;
    });
    expect(state.profile.locale).toBe('pt');
  });

  it('registers, re-activates and removes devices, signalling each change', async () => {
    const userId = uniqueId('devices');
    await createUser(userId);
    const path = `/v1/users/${userId}/devices/fcm-token-${'x'.repeat(40)}`;
    expect((await stack().call('PUT', path, { json: { platform: 'android' } })).status).toBe(201);
    expect((await stack().call('PUT', path, { json: { platform: 'android' } })).body.status).toBe('reactivated');
    expect((await stack().call('DELETE', path)).status).toBe(204);
    expectProblem(await stack().call('DELETE', path), 404);
    expect(stack().spy.signalsFor(userId, 'devicesChanged')).toBe(3);
  });

  it('sets, replaces and removes the email address, never echoing it, signalling each change', async () => {
    const userId = uniqueId('email');
    await createUser(userId);
    const path = `/v1/users/${userId}/endpoints/email`;
    const put = await stack().call('PUT', path, { json: { address: 'Ada.Lovelace@Example.ORG' } });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    expect(put.body).toEqual({ userId, channel: 'email', destination: 'A***@example.org', status: 'registered' });
    expect(JSON.stringify(put.body)).not.toContain('Lovelace');
    expect(await stack().repos.endpoints.activeEndpoints(userId, 'email')).toEqual([
      { channel: 'email', address: 'Ada.Lovelace@example.org' },
    ]);
    const same = await stack().call('PUT', path, { json: { address: 'Ada.Lovelace@example.org' } });
    expect([same.status, same.body.status]).toEqual([200, 'reactivated']);
    const other = await stack().call('PUT', path, {
      key: stack().keys.usersWrite,
      json: { address: 'ada@work.example' },
    });
    expect([other.status, other.body.status]).toEqual([200, 'replaced']);
    expect(await stack().repos.endpoints.activeEndpoints(userId, 'email')).toEqual([
      { channel: 'email', address: 'ada@work.example' },
    ]);

    const bad = await stack().call('PUT', path, { json: { address: 'not an address <grace@example.net>' } });
    expectProblem(bad, 400);
    expect(bad.body.errors).toEqual([{ in: 'body', field: 'address', message: expect.stringContaining('email') }]);
    expect(JSON.stringify(bad.body)).not.toContain('grace');
    expectProblem(await stack().call('PUT', path, { json: { phone: '+33612345678' } }), 400);
    expectProblem(
      await stack().call('PUT', path, { key: stack().keys.usersRead, json: { address: 'a@b.example' } }),
      403,
    );

    expect((await stack().call('DELETE', path)).status).toBe(204);
    expectProblem(await stack().call('DELETE', path), 404);
    expect(await stack().repos.endpoints.activeEndpoints(userId, 'email')).toEqual([]);
    expect(stack().spy.signalsFor(userId, 'devicesChanged')).toBe(4);
    const metrics = await stack().call('GET', '/metrics', { key: null });
    expect(metrics.body).not.toMatch(/work\.example|Lovelace/);
  });

  it('routes a notification to the phone number set through the API, and reports it in the log', async () => {
    const userId = uniqueId('sms');
    await createUser(userId);
    const path = `/v1/users/${userId}/endpoints/sms`;
    for (const phone of ['0612345678', '+33 6 12 34 56 78', '+0612345678', '+1234', `+${'1'.repeat(16)}`]) {
      const response = await stack().call('PUT', path, { json: { phone } });
      expectProblem(response, 400);
      expect(response.body.errors[0]).toMatchObject({ field: 'phone', message: expect.stringContaining('E.164') });
    }
    expectProblem(
      await stack().call('PUT', `/v1/users/${uniqueId('nobody')}/endpoints/sms`, { json: { phone: '+33612345678' } }),
      404,
    );
    const put = await stack().call('PUT', path, { json: { phone: '+33612345678' } });
    expect(put.status).toBe(201);
    expect(put.body).toEqual({ userId, channel: 'sms', destination: '+33*******78', status: 'registered' });

    // Security goes by SMS first (no push device here): the dry-run outbox has the text.
    await stack().call('POST', '/v1/events', { json: { id: 'otp-1', userId, type: 'password_reset' } });
    const page = await eventually('the sms decision', async () => {
      const response = await decisionsOf(userId);
      return response.body.decisions?.length === 1 ? response.body : undefined;
    });
    expect(page.decisions[0]).toMatchObject({
      candidateId: 'otp-1:0',
      outcome: 'sent',
      channel: 'sms',
      recorded: true,
    });
    const outbox = await stack().call('GET', `/v1/outbox?userId=${userId}`);
    expect(outbox.body.entries).toEqual([
      expect.objectContaining({ notificationId: 'otp-1:0', channel: 'sms', destination: '+33*******78' }),
    ]);

    expect((await stack().call('DELETE', path)).status).toBe(204);
    expect(await stack().repos.endpoints.activeEndpoints(userId, 'sms')).toEqual([]);
    expect(stack().spy.signalsFor(userId, 'devicesChanged')).toBe(2);
  });

  it('answers the decision log from the database alone for a user without a workflow, saying so', async () => {
    const userId = uniqueId('no-workflow');
    await stack().repos.users.upsert({ id: userId, timeZone: 'UTC', locale: 'en', attributes: {} }, wallClock());
    const at = wallClock();
    await stack().repos.decisions.recordDecisions(userId, [
      { candidateId: 'old:0', category: 'content', outcome: { kind: 'suppressed', reason: 'expired', at } },
    ]);
    const page = await decisionsOf(userId);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      liveDecisions: 'no_workflow',
      decisions: [
        {
          candidateId: 'old:0',
          category: 'content',
          outcome: 'suppressed',
          reason: 'expired',
          at: new Date(at).toISOString(),
          recorded: true,
        },
      ],
    });
  });

  it('one-click unsubscribe opts the user out of the category in the signed link', async () => {
    const userId = uniqueId('unsub');
    await createUser(userId);
    const token = signUnsubscribeToken({ userId, category: 'marketing', issuedAt: wallClock() }, UNSUBSCRIBE_SECRET);
    const page = await stack().call('GET', `/v1/unsubscribe/${token}`, { key: null });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form method="post"');
    expect((await stack().repos.preferences.get(userId)).optedOutCategories).toEqual([]);
    const post = await stack().call('POST', `/v1/unsubscribe/${token}`, {
      key: null,
      rawBody: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(post.status).toBe(200);
    expect((await stack().repos.preferences.get(userId)).optedOutCategories).toEqual(['marketing']);
    expectProblem(await stack().call('POST', `/v1/unsubscribe/${token}x`, { key: null }), 400);
  });
});

describe('auth, errors and limits', () => {
  it('answers 401 without a valid key and 403 without the scope, as problem+json', async () => {
    const noKey = await stack().call('GET', '/v1/outbox', { key: null });
    expectProblem(noKey, 401);
    expect(noKey.headers.get('www-authenticate')).toContain('Bearer');
    expectProblem(await stack().call('GET', '/v1/outbox', { key: 'tact_0000000000000000_' + 'A'.repeat(43) }), 401);
    expectProblem(
      await stack().call('GET', '/v1/outbox', { headers: { authorization: 'Basic dXNlcjpwYXNz' }, key: null }),
      401,
    );
    const events = stack().keys.events;
    expectProblem(await stack().call('GET', '/v1/outbox', { key: events }), 403);
    expectProblem(await stack().call('GET', '/v1/users/someone/state', { key: events }), 403);
    expectProblem(
      await stack().call('POST', '/v1/events', {
        key: stack().keys.usersRead,
        json: { id: 'x', userId: 'u', type: 't' },
      }),
      403,
    );
    const revoked = await stack().repos.apiKeys.create({ scopes: ['admin'] }, wallClock());
    await stack().repos.apiKeys.revoke(revoked.id, wallClock());
    expectProblem(await stack().call('GET', '/v1/outbox', { key: revoked.key }), 401);
  });

  it('answers 404 for unknown users, notifications and routes, 405 for a wrong method', async () => {
    const nobody = uniqueId('nobody');
    const before = stack().spy.signals;
    expectProblem(await stack().call('GET', `/v1/users/${nobody}`), 404);
    expectProblem(await stack().call('GET', `/v1/users/${nobody}/state`), 404);
    expectProblem(await stack().call('GET', `/v1/users/${nobody}/decisions`), 404);
    expectProblem(await stack().call('PATCH', `/v1/users/${nobody}/preferences`, { json: { privacyMode: true } }), 404);
    expectProblem(
      await stack().call('PUT', `/v1/users/${nobody}/devices/${'f'.repeat(64)}`, { json: { platform: 'ios' } }),
      404,
    );
    expectProblem(await stack().call('POST', '/v1/notifications/never-sent/events', { json: { type: 'opened' } }), 404);
    expect(stack().spy.signals).toBe(before);
    expect(await stack().repos.users.exists(nobody)).toBe(false);
    expectProblem(await stack().call('GET', '/v1/nothing-here'), 404);
    const wrongMethod = await stack().call('DELETE', '/v1/events');
    expectProblem(wrongMethod, 405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('answers 413 for bodies over the limit and 400 for over-long batches', async () => {
    const big = { id: 'big', userId: 'u-big', type: 'x', properties: { blob: 'y'.repeat(70 * 1024) } };
    expectProblem(await stack().call('POST', '/v1/events', { json: big }), 413);
    const huge = {
      events: [{ id: 'h', userId: 'u-huge', type: 'x', properties: { blob: 'z'.repeat(2.1 * 1024 * 1024) } }],
    };
    expectProblem(await stack().call('POST', '/v1/events:batch', { json: huge }), 413);
    const tooMany = { events: Array.from({ length: 501 }, (_, i) => ({ id: `e${i}`, userId: 'u-many', type: 'x' })) };
    const response = await stack().call('POST', '/v1/events:batch', { json: tooMany });
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([{ in: 'body', field: 'events', message: 'at most 500 events per call' }]);
    expect(await stack().repos.acceptedEvents.accept('u-many', 'e0', wallClock())).toBe(true);
  });

  it('names every bad field, points to the accepted time zones and locales, and never answers 5xx', async () => {
    const response = await stack().call('PUT', '/v1/users/u-bad-profile', {
      json: {
        timeZone: 'Mars/Olympus',
        locale: 'not a locale!',
        attributes: { nested: { a: { b: { c: { d: { e: 1 } } } } } },
        extra: 1,
      },
    });
    expectProblem(response, 400);
    const fields = response.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['timeZone', 'locale', 'attributes', 'extra']));
    const messages = response.body.errors.map((e: { message: string }) => e.message).join(' ');
    expect(messages).toContain('/v1/reference/time-zones');
    expect(messages).toContain('/v1/reference/locales');
    const zones = await stack().call('GET', '/v1/reference/time-zones', { key: null });
    expect(zones.body.timeZones).toContain('Europe/Paris');
    const locales = await stack().call('GET', '/v1/reference/locales', { key: null });
    expect(locales.body.withTemplates).toEqual(expect.arrayContaining(['en', 'pt-BR', 'ja']));

    expectProblem(
      await stack().call('PUT', '/v1/users/+33612345678', { json: { timeZone: 'UTC', locale: 'en' } }),
      400,
    );
    expectProblem(await stack().call('PUT', '/v1/users/0612345678', { json: { timeZone: 'UTC', locale: 'en' } }), 400);
    expectProblem(
      await stack().call('PUT', '/v1/users/jane%40example.com', { json: { timeZone: 'UTC', locale: 'en' } }),
      400,
    );
    expectProblem(
      await stack().call('POST', '/v1/events', {
        rawBody: '{"id": "x",',
        headers: { 'content-type': 'application/json' },
      }),
      400,
    );
    expectProblem(
      await stack().call('POST', '/v1/events', { rawBody: 'id=x', headers: { 'content-type': 'text/plain' } }),
      415,
    );
    expectProblem(await stack().call('GET', '/v1/users/%E0%A4%A/state'), 400);
    expect(await stack().repos.users.exists('u-bad-profile')).toBe(false);
  });

  it('serves an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const response = await stack().call('GET', '/v1/openapi.json', { key: null });
    expect(response.status).toBe(200);
    const doc = response.body;
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/v1/events', 'post'],
      ['/v1/events:batch', 'post'],
      ['/v1/users/{id}', 'put'],
      ['/v1/users/{id}/preferences', 'patch'],
      ['/v1/users/{id}/devices/{token}', 'delete'],
      ['/v1/users/{id}/endpoints/email', 'put'],
      ['/v1/users/{id}/endpoints/email', 'delete'],
      ['/v1/users/{id}/endpoints/sms', 'put'],
      ['/v1/users/{id}/endpoints/sms', 'delete'],
      ['/v1/notifications/{id}/events', 'post'],
      ['/v1/users/{id}/state', 'get'],
      ['/v1/users/{id}/decisions', 'get'],
      ['/v1/outbox', 'get'],
      ['/v1/unsubscribe/{token}', 'post'],
      ['/readyz', 'get'],
    ]) {
      expect(doc.paths[present(path, 'path')]?.[present(method, 'method')], `${method} ${path}`).toBeDefined();
    }
    const event = doc.paths['/v1/events'].post.requestBody.content['application/json'].schema;
    expect(event.required).toEqual(['id', 'userId', 'type']);
    expect(event.additionalProperties).toBe(false);
    expect(event.properties.userId.pattern).toBe('^[A-Za-z0-9_.:-]{1,128}$');
    const batch = doc.paths['/v1/events:batch'].post.requestBody.content['application/json'].schema;
    expect(batch.properties.events.maxItems).toBe(500);
    const sms = doc.paths['/v1/users/{id}/endpoints/sms'].put.requestBody.content['application/json'].schema;
    expect(sms).toMatchObject({ required: ['phone'], additionalProperties: false });
    expect(sms.properties.phone.pattern).toBe('^\\+[1-9]\\d{6,14}$');
    const email = doc.paths['/v1/users/{id}/endpoints/email'].put.requestBody.content['application/json'].schema;
    expect(email.properties.address).toMatchObject({ format: 'email', maxLength: 254 });
    const page = doc.paths['/v1/users/{id}/decisions'].get.responses['200'].content['application/json'].schema;
    expect(page.required).toEqual(expect.arrayContaining(['decisions', 'liveDecisions']));
    expect(JSON.stringify(page)).toContain('recorded');
    expect(JSON.stringify(page)).toContain('receipts');
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const ref of refs) expect(doc.components.schemas[ref.slice(22, -1)], ref).toBeDefined();
  });

  it('exports request, event, signal and ingestion-lag metrics', async () => {
    const metrics = await stack().call('GET', '/metrics', { key: null });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/tact_http_requests_total\{method="POST",route="\/v1\/events",status="202"\} \d+/);
    expect(metrics.body).toMatch(
      /tact_http_request_duration_seconds_bucket\{le="0.05",method="POST",route="\/v1\/events"/,
    );
    expect(metrics.body).toMatch(/tact_events_total\{outcome="accepted"\} \d+/);
    expect(metrics.body).toMatch(/tact_workflow_signals_total\{signal="preferences",result="ok"\} \d+/);
    // Events reach workflows through the dispatcher: its lag is what the API reports.
    expect(metrics.body).toMatch(/tact_ingest_undelivered \d+/);
    expect(metrics.body).toMatch(/tact_ingest_oldest_undelivered_seconds [\d.]+/);
    expect(metrics.body).not.toMatch(/devices\/[A-Za-z0-9]/);
  });

  it('is ready when the database and Temporal answer', async () => {
    const ready = await stack().call('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { database: 'ok', temporal: 'ok' },
      ingest: { undelivered: expect.any(Number), oldestUndeliveredSeconds: expect.any(Number) },
    });
    expect((await stack().call('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
  });
});
