// The deliverNotification activity end to end against the fake APNs, FCM, SMTP and SMS servers:
// routing, fallback, idempotency across retries and crashes, token hygiene, error classes, dry run.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { endpointKey } from '../../activities/delivery';
import { fitPushPayload } from '../../activities/localization/payload';
import type { DeliveryLedger } from '../../domain/ports';
import { APNS_REPLIES } from './servers/apns';
import { APNS_TOPIC, startHarness, type Harness } from './harness';
import { InMemoryEndpoints, InMemoryLedger, InMemoryOutbox } from './in-memory-ports';
import { apnsToken, candidate, NOW, PREFERENCES, PROFILE } from './fixtures';

let h: Harness;
let seq = 0;
let user: string;

beforeAll(async () => {
  h = await startHarness(NOW);
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  seq += 1;
  user = `user-${seq}`;
});

const IOS_A = () => apnsToken(100 + seq * 2);
const IOS_B = () => apnsToken(101 + seq * 2);
const ANDROID = () => `android-${seq}:APA91b-test-token`;

function input(overrides: Partial<Parameters<Harness['deliver']>[0]> = {}) {
  const id = `cand-${seq}`;
  return {
    userId: user,
    candidate: candidate({ id, userId: user, category: 'social' }),
    channels: ['push' as const],
    profile: PROFILE,
    preferences: PREFERENCES,
    ...overrides,
  };
}

async function expectFailure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('deliverNotification', () => {
  it('sends a push to every active device (iOS via APNs, Android via FCM) and records each in the ledger', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A()).addDevice(user, 'android', ANDROID());
    const result = await h.deliver(input());

    expect(result).toEqual({ kind: 'delivered', channel: 'push', endpoints: 2, at: NOW });
    const [apnsRequest] = h.apns.requestsFor(IOS_A());
    expect(apnsRequest!.headers['apns-topic']).toBe(APNS_TOPIC);
    expect(apnsRequest!.payload).toMatchObject({
      nid: `cand-${seq}`,
      aps: { alert: { title: 'friend_joined (push)', body: 'Ada joined' } },
    });
    const [fcmSend] = h.fcm.sendsFor(ANDROID());
    expect(fcmSend!.message.data).toEqual({ nid: `cand-${seq}`, category: 'social', link: 'tact-demo://friends/ada' });

    const ledger = await h.ledger.list(`cand-${seq}`);
    expect(ledger.map((e) => [e.endpointKey, e.status]).sort()).toEqual(
      [
        [endpointKey({ channel: 'push', platform: 'ios', token: IOS_A() }), 'sent'],
        [endpointKey({ channel: 'push', platform: 'android', token: ANDROID() }), 'sent'],
      ].sort(),
    );
    expect(ledger.every((e) => !e.endpointKey.includes(IOS_A()) && !e.endpointKey.includes(ANDROID()))).toBe(true);
    expect(ledger.find((e) => e.endpointKey.startsWith('push:ios'))!.providerMessageId).toBe(
      apnsRequest!.headers['apns-id'],
    );
  });

  it('deactivates a token on APNs 410 Unregistered at once and still delivers to the other device', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A()).addDevice(user, 'android', ANDROID());
    h.apns.script(IOS_A(), APNS_REPLIES.unregistered);
    h.clock.now = NOW + 5;

    const result = await h.deliver(input());

    expect(result).toEqual({ kind: 'delivered', channel: 'push', endpoints: 1, at: NOW + 5 });
    expect(h.endpoints.device(IOS_A())).toMatchObject({
      active: false,
      lastError: 'apns: 410 Unregistered',
      deactivatedAt: NOW + 5,
    });
    expect(h.endpoints.device(ANDROID())!.active).toBe(true);
    const entry = (await h.ledger.list(`cand-${seq}`)).find((e) => e.endpointKey.startsWith('push:ios'));
    expect(entry).toMatchObject({ status: 'failed_permanent', error: '410 Unregistered' });
    expect(h.logs.some((l) => l.event === 'delivery.token_invalidated' && l.fields.uninstall === true)).toBe(true);
    h.clock.now = NOW;
  });

  it('falls back to email when every push endpoint fails permanently (BadDeviceToken, UNREGISTERED)', async () => {
    h.endpoints
      .addDevice(user, 'ios', IOS_A())
      .addDevice(user, 'android', ANDROID())
      .addEmail(user, `${user}@example.org`);
    h.apns.script(IOS_A(), APNS_REPLIES.badDeviceToken);
    h.fcm.script(ANDROID(), 'UNREGISTERED');

    const result = await h.deliver(
      input({ candidate: candidate({ id: `cand-${seq}`, category: 'account' }), channels: ['push', 'email'] }),
    );

    expect(result).toEqual({ kind: 'delivered', channel: 'email', endpoints: 1, at: NOW });
    expect(h.endpoints.device(IOS_A())).toMatchObject({ active: false, lastError: 'apns: 400 BadDeviceToken' });
    expect(h.endpoints.device(ANDROID())).toMatchObject({
      active: false,
      lastError: 'fcm: messaging/registration-token-not-registered',
    });
    const mail = h.smtp.received.find((m) => m.envelope.to.includes(`${user}@example.org`))!;
    expect(mail.parsed.subject).toBe('New activity'); // account is sensitive: lock-screen-safe text
    expect(mail.header('list-unsubscribe')).toBeUndefined(); // transactional
  });

  it('returns delivery_failed when every channel fails permanently and no_channel when none has an endpoint', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A());
    h.apns.script(IOS_A(), APNS_REPLIES.unregistered);
    expect(await h.deliver(input({ channels: ['push', 'email'] }))).toEqual({
      kind: 'failed',
      reason: 'delivery_failed',
      detail: 'push: every endpoint failed permanently (apns 410 Unregistered); email: no active endpoint',
    });
    // Now the token is gone: nothing remains.
    expect(await h.deliver(input({ candidate: candidate({ id: `cand-${seq}-b` }), channels: ['push'] }))).toEqual({
      kind: 'failed',
      reason: 'no_channel',
      detail: 'push: no active endpoint',
    });
  });

  it('re-checks channel opt-outs and routes critical security alerts to SMS first', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A()).addPhone(user, '+33698765432');
    const security = candidate({
      id: `cand-${seq}`,
      category: 'security',
      template: 'login_code',
      variables: { body: 'Code 4242' },
    });
    const viaSms = await h.deliver(input({ candidate: security, channels: ['sms', 'push', 'email'] }));
    expect(viaSms).toMatchObject({ kind: 'delivered', channel: 'sms' });
    expect(h.sms.requests.at(-1)!.form).toMatchObject({
      To: '+33698765432',
      Body: 'New activity\nOpen the app to see it',
    });

    const optedOut = await h.deliver(
      input({
        candidate: { ...security, id: `cand-${seq}-b` },
        channels: ['sms', 'push'],
        preferences: { ...PREFERENCES, optedOutChannels: ['sms'] },
      }),
    );
    expect(optedOut).toMatchObject({ kind: 'delivered', channel: 'push' });
    expect(h.apns.requestsFor(IOS_A())[0]!.headers['apns-priority']).toBe('10');
  });

  it('sends promotional email with a one-click unsubscribe link', async () => {
    h.endpoints.addEmail(user, `${user}@example.org`);
    const result = await h.deliver(
      input({ candidate: candidate({ id: `cand-${seq}`, category: 'marketing' }), channels: ['email', 'push'] }),
    );
    expect(result).toMatchObject({ kind: 'delivered', channel: 'email' });
    const mail = h.smtp.received.find((m) => m.envelope.to.includes(`${user}@example.org`))!;
    expect(mail.header('list-unsubscribe')).toMatch(/^<https:\/\/tact\.example\/v1\/unsubscribe\/[\w-]+\.[\w-]+>$/);
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });

  it('throws a retryable failure on APNs 429 and FCM QUOTA_EXCEEDED, and the retry completes', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A()).addDevice(user, 'android', ANDROID());
    h.apns.script(IOS_A(), APNS_REPLIES.tooManyRequests);
    h.fcm.script(ANDROID(), 'QUOTA_EXCEEDED');

    const failure = await expectFailure(h.deliver(input()));
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe('DeliveryRetryable');
    expect(failure.message).toContain('429 TooManyRequests');
    expect((await h.ledger.list(`cand-${seq}`)).map((e) => e.status)).toEqual(['failed_retryable', 'failed_retryable']);
    expect(h.endpoints.device(IOS_A())!.active).toBe(true);

    expect(await h.deliver(input())).toMatchObject({ kind: 'delivered', endpoints: 2 });
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(2);
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(2);
  });

  it('crash/retry: fails after sending to one of two devices; the retry sends only to the other', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A()).addDevice(user, 'ios', IOS_B());
    h.apns.script(IOS_B(), APNS_REPLIES.serviceUnavailable);

    const failure = await expectFailure(h.deliver(input()));
    expect(failure.type).toBe('DeliveryRetryable');
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(1);
    expect(h.apns.requestsFor(IOS_B())).toHaveLength(1);

    const retry = await h.deliver(input());
    expect(retry).toEqual({ kind: 'delivered', channel: 'push', endpoints: 2, at: NOW });
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(1); // not re-sent
    expect(h.apns.requestsFor(IOS_B())).toHaveLength(2); // 503, then 200
    expect((await h.ledger.list(`cand-${seq}`)).map((e) => e.status)).toEqual(['sent', 'sent']);
  });

  it('crash/retry: the worker dies before the second device; the retry sends only to the second', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A()).addDevice(user, 'android', ANDROID());
    const crashOnSecondClaim: DeliveryLedger = {
      claim: async (entry, now) => {
        if (entry.endpointKey.startsWith('push:android')) throw new Error('worker crashed');
        return h.ledger.claim(entry, now);
      },
      markOutcome: (...args) => h.ledger.markOutcome(...args),
      list: (id) => h.ledger.list(id),
    };
    await expect(h.deliverWith({ ledger: crashOnSecondClaim })(input())).rejects.toThrow('worker crashed');
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(1);
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(0);

    expect(await h.deliver(input())).toMatchObject({ kind: 'delivered', endpoints: 2 });
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(1);
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(1);
  });

  it('crash between send and record: the re-send carries the same apns-id and collapse id (documented duplicate window)', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A());
    const crashAfterSend: DeliveryLedger = {
      claim: (entry, now) => h.ledger.claim(entry, now),
      markOutcome: async () => {
        throw new Error('worker crashed after send');
      },
      list: (id) => h.ledger.list(id),
    };
    await expect(h.deliverWith({ ledger: crashAfterSend })(input())).rejects.toThrow('worker crashed after send');
    expect((await h.ledger.list(`cand-${seq}`))[0]!.status).toBe('pending');

    expect(await h.deliver(input())).toMatchObject({ kind: 'delivered', endpoints: 1 });
    const [first, second] = h.apns.requestsFor(IOS_A());
    expect(second!.headers['apns-id']).toBe(first!.headers['apns-id']);
    expect(second!.headers['apns-collapse-id']).toBe(first!.headers['apns-collapse-id']);
  });

  it('never re-sends when a re-run finds the endpoint already sent', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID());
    await h.deliver(input());
    await h.deliver(input());
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(1);
    expect(h.logs.some((l) => l.event === 'delivery.already_sent' && l.fields.nid === `cand-${seq}`)).toBe(true);
  });

  it('raises a non-retryable MalformedPayload failure with the payload size and the provider reason', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID());
    h.fcm.script(ANDROID(), 'INVALID_ARGUMENT_PAYLOAD');
    const failure = await expectFailure(h.deliver(input()));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('MalformedPayload');
    expect(failure.details).toEqual([
      { channel: 'push', provider: 'fcm', payloadBytes: expect.any(Number), reason: 'messaging/invalid-argument' },
    ]);
    expect((failure.details![0] as { payloadBytes: number }).payloadBytes).toBeGreaterThan(50);
    expect(h.endpoints.device(ANDROID())!.active).toBe(true); // the payload was bad, not the token
    expect((await h.ledger.list(`cand-${seq}`))[0]).toMatchObject({
      status: 'failed_permanent',
      error: expect.stringContaining('malformed payload'),
    });
  });

  it('shortens an oversized body to fit 4 KB instead of failing', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A());
    const long = candidate({ id: `cand-${seq}`, variables: { body: '👩‍👩‍👧‍👦 שלום '.repeat(400) } });
    expect(await h.deliver(input({ candidate: long }))).toMatchObject({ kind: 'delivered' });
    const [request] = h.apns.requestsFor(IOS_A());
    expect(request!.payloadBytes).toBeLessThanOrEqual(4096);
    expect((request!.payload.aps as { alert: { body: string } }).alert.body.endsWith('…')).toBe(true);
  });

  it('fits an emoji and RTL body with localization’s fitPushPayload', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID());
    const long = candidate({ id: `cand-${seq}`, variables: { body: 'مرحبا 👍🏽 '.repeat(600) } });
    const deliver = h.deliverWith({ fitPushPayload });
    expect(await deliver(input({ candidate: long }))).toMatchObject({ kind: 'delivered' });
    const [send] = h.fcm.sendsFor(ANDROID());
    const body = (send!.message.notification as { body: string }).body;
    expect(body.endsWith('…')).toBe(true);
    expect(body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no split surrogate pair
    expect(
      Buffer.byteLength(JSON.stringify({ notification: send!.message.notification, data: send!.message.data })),
    ).toBeLessThanOrEqual(4096);
  });

  it('fails non-retryably when even the shortest text cannot fit', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID());
    const deliver = h.deliverWith({
      fitPushPayload: () => {
        throw new Error('push payload is 5000 bytes after shortening');
      },
    });
    const failure = await expectFailure(deliver(input()));
    expect(failure).toMatchObject({ nonRetryable: true, type: 'MalformedPayload' });
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(0);
  });

  it('leaves out a deep link that fails validation and still delivers', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID());
    const evil = candidate({ id: `cand-${seq}`, deepLink: 'javascript:alert(1)' });
    expect(await h.deliver(input({ candidate: evil }))).toMatchObject({ kind: 'delivered' });
    expect(h.fcm.sendsFor(ANDROID())[0]!.message.data).toEqual({ nid: `cand-${seq}`, category: 'social' });
    expect(h.logs.some((l) => l.event === 'delivery.deep_link_rejected' && l.fields.nid === `cand-${seq}`)).toBe(true);
  });

  it('returns template_error without sending anything', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A());
    const result = await h.deliver(input({ candidate: candidate({ id: `cand-${seq}`, template: 'broken' }) }));
    expect(result).toEqual({ kind: 'failed', reason: 'template_error', detail: 'missing variable "friend"' });
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(0);
    expect(await h.ledger.list(`cand-${seq}`)).toEqual([]);
  });

  it('never logs tokens, addresses or phone numbers', async () => {
    h.endpoints
      .addDevice(user, 'ios', IOS_A())
      .addEmail(user, 'secret.person@example.org')
      .addPhone(user, '+33611112222');
    h.apns.script(IOS_A(), APNS_REPLIES.badDeviceToken);
    await h.deliver(
      input({ candidate: candidate({ id: `cand-${seq}`, category: 'security' }), channels: ['push', 'email', 'sms'] }),
    );
    const text = JSON.stringify(h.logs);
    expect(h.logs.length).toBeGreaterThan(0);
    for (const secret of [IOS_A(), 'secret.person@example.org', '+33611112222', ANDROID()])
      expect(text).not.toContain(secret);
  });
});

describe('deliverNotification without provider credentials (dry run)', () => {
  it('records labelled, redacted outbox entries and reports delivery', async () => {
    const endpoints = new InMemoryEndpoints()
      .addDevice('dry-user', 'ios', apnsToken(7))
      .addDevice('dry-user', 'web', 'web-token-dry')
      .addEmail('dry-user', 'dry@example.org');
    const outbox = new InMemoryOutbox();
    const ledger = new InMemoryLedger();
    const deliver = h.deliverWith({ providers: {}, endpoints, outbox, ledger });
    const base = { userId: 'dry-user', profile: PROFILE, preferences: PREFERENCES };

    expect(
      await deliver({ ...base, candidate: candidate({ id: 'dry-1', userId: 'dry-user' }), channels: ['push'] }),
    ).toMatchObject({
      kind: 'delivered',
      channel: 'push',
      endpoints: 2,
    });
    await deliver({
      ...base,
      candidate: candidate({ id: 'dry-2', userId: 'dry-user', category: 'marketing' }),
      channels: ['email'],
    });

    const entries = await outbox.list({ userId: 'dry-user', limit: 10 });
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.dryRun)).toBe(true);
    expect(entries.map((e) => e.destination).sort()).toEqual([
      'd***@example.org',
      expect.stringMatching(/^ios:[0-9a-f]{12}$/),
      expect.stringMatching(/^web:[0-9a-f]{12}$/),
    ]);
    const mail = entries.find((e) => e.channel === 'email')!;
    expect(mail.subject).toBe('friend_joined (email)');
    expect(mail.body).toContain('Unsubscribe: https://tact.example/v1/unsubscribe/');
    expect(entries.find((e) => e.channel === 'push')!.data).toMatchObject({ nid: 'dry-1' });
    expect(
      (await ledger.list('dry-1')).every((e) => e.status === 'sent' && e.providerMessageId!.startsWith('dry-run:')),
    ).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(apnsToken(7));

    // Idempotent: a retry records nothing new.
    await deliver({ ...base, candidate: candidate({ id: 'dry-1', userId: 'dry-user' }), channels: ['push'] });
    expect(await outbox.list({ userId: 'dry-user', limit: 10 })).toHaveLength(3);
  });
});
