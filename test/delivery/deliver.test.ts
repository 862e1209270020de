// The deliverNotification activity end to end against the fake APNs, FCM, SMTP and SMS servers:
// routing, fallback, idempotency across retries and crashes, token hygiene, error classes, dry run.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DEFAULT_IN_FLIGHT_WINDOW_MS, endpointKey } from '../../activities/delivery';
import type { SmsProvider } from '../../activities/delivery/types';
import { fitPushPayload } from '../../localization/payload';
import type { DeliveryLedger } from '../../domain/ports';
import { APNS_REPLIES } from './servers/apns';
import { SMS_REPLIES } from './servers/sms';
import { APNS_TOPIC, startHarness, type Harness } from './support/harness';
import { InMemoryEndpoints, InMemoryLedger, InMemoryOutbox } from './support/in-memory-ports';
import { apnsToken, candidate, NOW, PREFERENCES, PROFILE } from './fixtures';
import { addMs, durationMs, seconds } from '../../domain/units';
import { nth, present } from '../../domain/present';

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
    expect(present(apnsRequest, 'apnsRequest').headers['apns-topic']).toBe(APNS_TOPIC);
    expect(present(apnsRequest, 'apnsRequest').payload).toMatchObject({
      nid: `cand-${seq}`,
      aps: { alert: { title: 'friend_joined (push)', body: 'Ada joined' } },
    });
    const [fcmSend] = h.fcm.sendsFor(ANDROID());
    expect(present(fcmSend, 'fcmSend').message.data).toEqual({
      nid: `cand-${seq}`,
      category: 'social',
      link: 'tact-demo://friends/ada',
    });

    const ledger = await h.ledger.list(`cand-${seq}`);
    expect(ledger.map((e) => [e.endpointKey, e.status]).sort()).toEqual(
      [
        [endpointKey({ channel: 'push', platform: 'ios', token: IOS_A() }), 'sent'],
        [endpointKey({ channel: 'push', platform: 'android', token: ANDROID() }), 'sent'],
      ].sort(),
    );
    expect(ledger.every((e) => !e.endpointKey.includes(IOS_A()) && !e.endpointKey.includes(ANDROID()))).toBe(true);
    expect(
      present(
        ledger.find((e) => e.endpointKey.startsWith('push:ios')),
        "the ledger entry where e.endpointKey.startsWith('push:ios')",
      ).providerMessageId,
    ).toBe(present(apnsRequest, 'apnsRequest').headers['apns-id']);
  });

  it('deactivates a token on APNs 410 Unregistered at once and still delivers to the other device', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A()).addDevice(user, 'android', ANDROID());
    h.apns.script(IOS_A(), APNS_REPLIES.unregistered);
    h.clock.now = addMs(NOW, durationMs(5));

    const result = await h.deliver(input());

    expect(result).toEqual({ kind: 'delivered', channel: 'push', endpoints: 1, at: NOW + 5 });
    expect(h.endpoints.device(IOS_A())).toMatchObject({
      active: false,
      lastError: 'apns: 410 Unregistered',
      deactivatedAt: NOW + 5,
    });
    expect(present(h.endpoints.device(ANDROID()), 'h.endpoints.device(ANDROID())').active).toBe(true);
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
    const mail = present(
      h.smtp.received.find((m) => m.envelope.to.includes(`${user}@example.org`)),
      'the h.smtp.received entry where m.envelope.to.includes(`${user}@example.org`)',
    );
    // account is sensitive, but lock-screen-safe text is for push only: the mail has the details and the link.
    expect(mail.parsed.subject).toBe('friend_joined (email)');
    expect(mail.parsed.text).toContain('Ada joined');
    expect(mail.parsed.html).toContain('<a href="tact-demo://friends/ada">');
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
    // The real text on SMS (lock-screen-safe text is for push); an app-scheme link is no use in a text message.
    expect(present(h.sms.requests.at(-1), 'the last of h.sms.requests').form).toMatchObject({
      To: '+33698765432',
      Body: 'login_code (sms)\nCode 4242',
    });

    const optedOut = await h.deliver(
      input({
        candidate: { ...security, id: `cand-${seq}-b` },
        channels: ['sms', 'push'],
        preferences: { ...PREFERENCES, optedOutChannels: ['sms'] },
      }),
    );
    expect(optedOut).toMatchObject({ kind: 'delivered', channel: 'push' });
    const [push] = h.apns.requestsFor(IOS_A());
    expect(present(push, 'push').headers['apns-priority']).toBe('10');
    expect(present(push, 'push').payload).toMatchObject({
      aps: { alert: { title: 'New activity', body: 'Open the app to see it' } },
    });
  });

  it('puts the action link into SMS (https only) and email, and keeps push lock-screen-safe, for security and privacy mode', async () => {
    h.endpoints.addPhone(user, '+33698765400').addEmail(user, `${user}@example.org`).addDevice(user, 'ios', IOS_A());
    const reset = candidate({
      id: `cand-${seq}`,
      category: 'security',
      template: 'password_reset',
      variables: { body: 'Reset your password' },
      deepLink: 'https://app.example.com/reset?t=abc',
    });
    expect(await h.deliver(input({ candidate: reset, channels: ['sms'] }))).toMatchObject({ channel: 'sms' });
    expect(present(h.sms.requests.at(-1), 'the last of h.sms.requests').form.Body).toBe(
      'password_reset (sms)\nReset your password\nhttps://app.example.com/reset?t=abc',
    );
    expect(
      await h.deliver(input({ candidate: { ...reset, id: `cand-${seq}-mail` }, channels: ['email'] })),
    ).toMatchObject({ channel: 'email' });
    const mail = present(
      h.smtp.received.find((m) => m.envelope.to.includes(`${user}@example.org`)),
      'the h.smtp.received entry where m.envelope.to.includes(`${user}@example.org`)',
    );
    expect(mail.parsed.subject).toBe('password_reset (email)');
    expect(mail.parsed.text).toContain('Reset your password\n\nhttps://app.example.com/reset?t=abc');
    expect(mail.parsed.html).toContain('<a href="https://app.example.com/reset?t=abc">');

    const privacy = { ...PREFERENCES, privacyMode: true };
    const social = candidate({ id: `cand-${seq}-p`, deepLink: 'https://app.example.com/f' });
    await h.deliver(input({ candidate: social, channels: ['push'], preferences: privacy }));
    expect(
      present(h.apns.requestsFor(IOS_A()).at(-1), 'the last of h.apns.requestsFor(IOS_A())').payload,
    ).toMatchObject({
      aps: { alert: { title: 'New activity', body: 'Open the app to see it' } },
      link: 'https://app.example.com/f',
    });
    await h.deliver(input({ candidate: { ...social, id: `cand-${seq}-p2` }, channels: ['sms'], preferences: privacy }));
    expect(present(h.sms.requests.at(-1), 'the last of h.sms.requests').form.Body).toBe(
      'friend_joined (sms)\nAda joined\nhttps://app.example.com/f',
    );
  });

  it('sends promotional email with a one-click unsubscribe link', async () => {
    h.endpoints.addEmail(user, `${user}@example.org`);
    const result = await h.deliver(
      input({ candidate: candidate({ id: `cand-${seq}`, category: 'marketing' }), channels: ['email', 'push'] }),
    );
    expect(result).toMatchObject({ kind: 'delivered', channel: 'email' });
    const mail = present(
      h.smtp.received.find((m) => m.envelope.to.includes(`${user}@example.org`)),
      'the h.smtp.received entry where m.envelope.to.includes(`${user}@example.org`)',
    );
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
    expect(present(h.endpoints.device(IOS_A()), 'h.endpoints.device(IOS_A())').active).toBe(true);

    expect(await h.deliver(input())).toMatchObject({ kind: 'delivered', endpoints: 2 });
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(2);
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(2);
  });

  it('reports delivered with the count reached when another device of the channel fails transiently (no retry)', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A()).addDevice(user, 'ios', IOS_B());
    h.apns.script(IOS_B(), APNS_REPLIES.serviceUnavailable);

    expect(await h.deliver(input())).toEqual({ kind: 'delivered', channel: 'push', endpoints: 1, at: NOW });
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(1);
    expect(h.apns.requestsFor(IOS_B())).toHaveLength(1);
    const ledger = await h.ledger.list(`cand-${seq}`);
    expect(ledger.map((e) => [e.endpointKey, e.status, e.error])).toEqual([
      [endpointKey({ channel: 'push', platform: 'ios', token: IOS_A() }), 'sent', undefined],
      [endpointKey({ channel: 'push', platform: 'ios', token: IOS_B() }), 'failed_retryable', '503 ServiceUnavailable'],
    ]);
    expect(present(h.endpoints.device(IOS_B()), 'h.endpoints.device(IOS_B())').active).toBe(true);
    expect(
      present(
        h.logs.find((l) => l.event === 'delivery.partial' && l.fields.nid === `cand-${seq}`),
        'the h.logs entry the test looks for',
      ).fields,
    ).toMatchObject({
      delivered: 1,
      retryable: 1,
    });
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

  it('crash between send and record: within the in-flight window the retry does not re-send; after it, the re-send carries the same apns-id and collapse id (documented duplicate window)', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A());
    const crashAfterSend: DeliveryLedger = {
      claim: (...args) => h.ledger.claim(...args),
      markOutcome: async () => {
        throw new Error('worker crashed after send');
      },
      list: (id) => h.ledger.list(id),
    };
    await expect(h.deliverWith({ ledger: crashAfterSend, recordRetryDelaysMs: [] })(input())).rejects.toThrow(
      'worker crashed after send',
    );
    expect(nth(await h.ledger.list(`cand-${seq}`), 0).status).toBe('pending');

    h.clock.now = addMs(NOW, durationMs(DEFAULT_IN_FLIGHT_WINDOW_MS));
    const inFlight = await expectFailure(h.deliver(input()));
    expect(inFlight).toMatchObject({ type: 'DeliveryRetryable', nonRetryable: false });
    expect(inFlight.message).toContain('1 in flight in another attempt');
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(1);

    h.clock.now = addMs(NOW, durationMs(DEFAULT_IN_FLIGHT_WINDOW_MS + 1));
    expect(await h.deliver(input())).toMatchObject({ kind: 'delivered', endpoints: 1 });
    const [first, second] = h.apns.requestsFor(IOS_A());
    expect(present(second, 'second').headers['apns-id']).toBe(present(first, 'first').headers['apns-id']);
    expect(present(second, 'second').headers['apns-collapse-id']).toBe(
      present(first, 'first').headers['apns-collapse-id'],
    );
    h.clock.now = NOW;
  });

  it('crash between send and record on SMS: the retry asks the provider by client reference and sends no second text', async () => {
    const phone = `+3370${String(seq).padStart(6, '0')}1`;
    h.endpoints.addPhone(user, phone);
    const crashAfterSend: DeliveryLedger = {
      claim: (...args) => h.ledger.claim(...args),
      markOutcome: async () => {
        throw new Error('worker crashed after send');
      },
      list: (id) => h.ledger.list(id),
    };
    const sms = input({ channels: ['sms'] });
    await expect(h.deliverWith({ ledger: crashAfterSend, recordRetryDelaysMs: [] })(sms)).rejects.toThrow('crashed');
    const [entry] = await h.ledger.list(`cand-${seq}`);
    expect(entry).toMatchObject({ status: 'pending', sendAttempts: 1, clientReference: expect.any(String) });

    h.clock.now = addMs(NOW, durationMs(DEFAULT_IN_FLIGHT_WINDOW_MS + 1));
    expect(await h.deliver(sms)).toMatchObject({ kind: 'delivered', channel: 'sms', endpoints: 1 });
    const texts = h.sms.messages.filter((m) => m.to === phone);
    expect(texts).toHaveLength(1);
    expect(h.sms.requests.filter((r) => r.form.To === phone)).toHaveLength(1);
    expect(h.sms.lookups).toContain(present(entry, 'entry').clientReference);
    expect((await h.ledger.list(`cand-${seq}`))[0]).toMatchObject({
      status: 'sent',
      providerMessageId: nth(texts, 0).sid,
      sendAttempts: 2,
    });
    expect(h.logs.some((l) => l.event === 'delivery.found_earlier' && l.fields.nid === `cand-${seq}`)).toBe(true);
    h.clock.now = NOW;
  });

  it('an SMS whose answer was lost is sent again under the same idempotency key: the provider texts once', async () => {
    const phone = `+3370${String(seq).padStart(6, '0')}2`;
    h.endpoints.addPhone(user, phone);
    const sms = input({ channels: ['sms'] });
    // A provider without the lookup: only the idempotency key can keep the second attempt from texting again.
    const real = h.providers.sms;
    const withoutLookup: SmsProvider = { name: real.name, send: (e, m) => real.send(e, m), close: async () => {} };
    // The provider took the text, but the answer never came back (a network cut): the outcome is unknown.
    const lostAnswer: SmsProvider = {
      ...withoutLookup,
      send: async (e, m) => {
        await real.send(e, m);
        return { kind: 'retryable', code: 'network TimeoutError' };
      },
    };
    await expect(h.deliverWith({ providers: { ...h.providers, sms: lostAnswer } })(sms)).rejects.toThrow(
      /failed transiently/,
    );
    expect(await h.deliverWith({ providers: { ...h.providers, sms: withoutLookup } })(sms)).toMatchObject({
      kind: 'delivered',
      channel: 'sms',
    });
    const posts = h.sms.requests.filter((r) => r.form.To === phone);
    expect(posts.map((r) => r.reply)).toEqual(['created', 'replayed']);
    expect(nth(posts, 1).headers['idempotency-key']).toBe(nth(posts, 0).headers['idempotency-key']);
    expect(h.sms.messages.filter((m) => m.to === phone)).toHaveLength(1);
  });

  it('records an outcome the provider gave even when the database fails for a while (no second send)', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A());
    let failures = 3;
    const flakyLedger: DeliveryLedger = {
      claim: (...args) => h.ledger.claim(...args),
      markOutcome: async (...args) => {
        if (failures-- > 0) throw new Error('connection terminated');
        return h.ledger.markOutcome(...args);
      },
      list: (id) => h.ledger.list(id),
    };
    expect(await h.deliverWith({ ledger: flakyLedger, recordRetryDelaysMs: [1, 1, 1] })(input())).toMatchObject({
      kind: 'delivered',
    });
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(1);
    expect((await h.ledger.list(`cand-${seq}`))[0]).toMatchObject({ status: 'sent', sendAttempts: 1 });
    expect(h.logs.filter((l) => l.event === 'delivery.record_retry' && l.fields.nid === `cand-${seq}`)).toHaveLength(3);
  });

  it('overlapping attempts: the second attempt leaves an endpoint the first is still sending to alone', async () => {
    h.endpoints.addPhone(user, '+33698765411');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sending!: () => void;
    const started = new Promise<void>((resolve) => (sending = resolve));
    const slowSms = {
      ...h.providers.sms,
      name: h.providers.sms.name,
      send: async (...args: Parameters<typeof h.providers.sms.send>) => {
        sending();
        await gate; // the provider is slow: Temporal times the attempt out and starts the next one
        return h.providers.sms.send(...args);
      },
    };
    const first = h.deliverWith({ providers: { ...h.providers, sms: slowSms } })(input({ channels: ['sms'] }));
    await started;
    h.clock.now = addMs(NOW, seconds(30));
    const second = await expectFailure(h.deliver(input({ channels: ['sms'] })));
    expect(second.type).toBe('DeliveryRetryable');
    release();
    expect(await first).toMatchObject({ kind: 'delivered', channel: 'sms', endpoints: 1 });
    expect(h.sms.requests.filter((r) => r.form.To === '+33698765411')).toHaveLength(1);
    // The attempt after that reads the first one's outcome.
    expect(await h.deliver(input({ channels: ['sms'] }))).toMatchObject({ kind: 'delivered', endpoints: 1 });
    expect(h.sms.requests.filter((r) => r.form.To === '+33698765411')).toHaveLength(1);
    h.clock.now = NOW;
  });

  it('keys the ledger and the provider message ids by user: two users’ notifications with the same id both go out', async () => {
    const shared = `family-${seq}@example.org`;
    const other = `${user}-b`;
    h.endpoints.addEmail(user, shared).addEmail(other, shared);
    const sameId = candidate({ id: `cand-${seq}`, category: 'account' });
    expect(await h.deliver(input({ candidate: sameId, channels: ['email'] }))).toMatchObject({ kind: 'delivered' });
    expect(
      await h.deliver(input({ userId: other, candidate: { ...sameId, userId: other }, channels: ['email'] })),
    ).toMatchObject({ kind: 'delivered', endpoints: 1 });
    const mails = h.smtp.received.filter((m) => m.envelope.to.includes(shared));
    expect(mails).toHaveLength(2);
    expect(nth(mails, 0).header('message-id')).not.toBe(nth(mails, 1).header('message-id'));
    expect((await h.ledger.list(`cand-${seq}`)).map((e) => [e.userId, e.status])).toEqual([
      [user, 'sent'],
      [other, 'sent'],
    ]);
  });

  it('never re-sends when a re-run finds the endpoint already sent', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID());
    await h.deliver(input());
    await h.deliver(input());
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(1);
    expect(h.logs.some((l) => l.event === 'delivery.already_sent' && l.fields.nid === `cand-${seq}`)).toBe(true);
  });

  it('records a payload the provider rejects for that endpoint only (size and reason), and still delivers elsewhere', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID()).addDevice(user, 'ios', IOS_A());
    h.fcm.script(ANDROID(), 'INVALID_ARGUMENT_PAYLOAD');
    expect(await h.deliver(input())).toEqual({ kind: 'delivered', channel: 'push', endpoints: 1, at: NOW });
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(1);
    expect(present(h.endpoints.device(ANDROID()), 'h.endpoints.device(ANDROID())').active).toBe(true); // the payload was bad, not the token
    const entry = present(
      (await h.ledger.list(`cand-${seq}`)).find((e) => e.endpointKey.startsWith('push:android')),
      "the (await h.ledger.list(`cand-${seq}`)) entry where e.endpointKey.startsWith('push:android')",
    );
    expect(entry).toMatchObject({
      status: 'failed_permanent',
      error: expect.stringMatching(
        /^malformed payload \(\d{2,} bytes\): messaging\/invalid-argument \(message\.android/,
      ),
    });
    const log = present(
      h.logs.find((l) => l.event === 'delivery.malformed_payload' && l.fields.nid === `cand-${seq}`),
      'the h.logs entry the test looks for',
    );
    expect(log.fields).toMatchObject({ provider: 'fcm', payloadBytes: expect.any(Number) });
  });

  it('falls back to the next channel when the only device rejects the payload', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID()).addEmail(user, `${user}@example.org`);
    h.fcm.script(ANDROID(), 'INVALID_ARGUMENT_PAYLOAD');
    expect(await h.deliver(input({ channels: ['push', 'email'] }))).toMatchObject({
      kind: 'delivered',
      channel: 'email',
    });
    expect(await h.deliver(input({ candidate: candidate({ id: `cand-${seq}-b` }), channels: ['push'] }))).toMatchObject(
      { kind: 'delivered', channel: 'push' },
    ); // the token stayed active
  });

  it('switches off a token FCM answers with a bare INVALID_ARGUMENT (garbage token) and still reaches the other devices', async () => {
    // Newest first, like the endpoint directory: the garbage token is tried first.
    h.endpoints.addDevice(user, 'android', ANDROID()).addDevice(user, 'ios', IOS_A());
    h.fcm.script(ANDROID(), 'INVALID_ARGUMENT_GARBAGE_TOKEN');

    expect(await h.deliver(input())).toEqual({ kind: 'delivered', channel: 'push', endpoints: 1, at: NOW });
    expect(h.endpoints.device(ANDROID())).toMatchObject({
      active: false,
      lastError: 'fcm: messaging/invalid-argument',
      deactivatedAt: NOW,
    });
    expect((await h.ledger.list(`cand-${seq}`)).find((e) => e.endpointKey.startsWith('push:android'))).toMatchObject({
      status: 'failed_permanent',
      error: 'messaging/invalid-argument',
    });
    expect(h.logs.some((l) => l.event === 'delivery.token_invalidated' && l.fields.nid === `cand-${seq}`)).toBe(true);

    // The next notification goes to the live device only.
    await h.deliver(input({ candidate: candidate({ id: `cand-${seq}-b` }) }));
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(1);
    expect(h.apns.requestsFor(IOS_A())).toHaveLength(2);
  });

  it('falls back to email when the only push token is garbage (bare INVALID_ARGUMENT)', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID()).addEmail(user, `${user}@example.org`);
    h.fcm.script(ANDROID(), 'INVALID_ARGUMENT_GARBAGE_TOKEN');
    expect(await h.deliver(input({ channels: ['push', 'email'] }))).toMatchObject({
      kind: 'delivered',
      channel: 'email',
    });
    expect(present(h.endpoints.device(ANDROID()), 'h.endpoints.device(ANDROID())').active).toBe(false);
  });

  it('deactivates a hard-bounced email address (550 5.1.1) and a STOPped number (Twilio 21610), and falls back', async () => {
    const address = `${user}@example.org`;
    const phone = '+33698765499';
    h.endpoints.addEmail(user, address).addPhone(user, phone).addDevice(user, 'ios', IOS_A());
    h.smtp.refuseRecipient(address, { code: 550, message: '5.1.1 No such user' });
    h.sms.script(phone, SMS_REPLIES.unsubscribed);
    const account = candidate({ id: `cand-${seq}`, category: 'account' });

    expect(await h.deliver(input({ candidate: account, channels: ['email', 'sms', 'push'] }))).toMatchObject({
      kind: 'delivered',
      channel: 'push',
    });
    expect(h.endpoints.contact(user, 'email')).toMatchObject({
      active: false,
      lastError: 'smtp: 550 5.1.1',
      deactivatedAt: NOW,
    });
    expect(h.endpoints.contact(user, 'sms')).toMatchObject({ active: false, lastError: 'twilio-sms: 400 21610' });
    expect(
      h.logs.filter((l) => l.event === 'delivery.endpoint_deactivated' && l.fields.nid === `cand-${seq}`),
    ).toHaveLength(2);

    // Neither is tried again.
    const smsBefore = h.sms.requests.length;
    expect(
      await h.deliver(input({ candidate: { ...account, id: `cand-${seq}-b` }, channels: ['email', 'sms'] })),
    ).toMatchObject({ kind: 'failed', reason: 'no_channel' });
    expect(h.sms.requests.length).toBe(smsBefore);
  });

  it('keeps an email address after a permanent refusal that is not a dead address (5.7.1 policy)', async () => {
    const address = `${user}@example.org`;
    h.endpoints.addEmail(user, address);
    h.smtp.refuseRecipient(address, { code: 550, message: '5.7.1 Message refused by policy' });
    expect(await h.deliver(input({ channels: ['email'] }))).toMatchObject({
      kind: 'failed',
      reason: 'delivery_failed',
    });
    expect(present(h.endpoints.contact(user, 'email'), "h.endpoints.contact(user, 'email')").active).toBe(true);
  });

  it('shortens an oversized body to fit 4 KB instead of failing', async () => {
    h.endpoints.addDevice(user, 'ios', IOS_A());
    const long = candidate({ id: `cand-${seq}`, variables: { body: '👩‍👩‍👧‍👦 שלום '.repeat(400) } });
    expect(await h.deliver(input({ candidate: long }))).toMatchObject({ kind: 'delivered' });
    const [request] = h.apns.requestsFor(IOS_A());
    expect(present(request, 'request').payloadBytes).toBeLessThanOrEqual(4096);
    expect((present(request, 'request').payload.aps as { alert: { body: string } }).alert.body.endsWith('…')).toBe(
      true,
    );
  });

  it('fits an emoji and RTL body with localization’s fitPushPayload', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID());
    const long = candidate({ id: `cand-${seq}`, variables: { body: 'مرحبا 👍🏽 '.repeat(600) } });
    const deliver = h.deliverWith({ fitPushPayload });
    expect(await deliver(input({ candidate: long }))).toMatchObject({ kind: 'delivered' });
    const [send] = h.fcm.sendsFor(ANDROID());
    const body = (present(send, 'send').message.notification as { body: string }).body;
    expect(body.endsWith('…')).toBe(true);
    expect(body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no split surrogate pair
    expect(
      Buffer.byteLength(
        JSON.stringify({
          notification: present(send, 'send').message.notification,
          data: present(send, 'send').message.data,
        }),
      ),
    ).toBeLessThanOrEqual(4096);
  });

  it('skips push for the next channel when even the shortest text cannot fit, and fails without one', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID()).addEmail(user, `${user}@example.org`);
    const deliver = h.deliverWith({
      fitPushPayload: () => {
        throw new Error('push payload is 5000 bytes after shortening');
      },
    });
    expect(await deliver(input({ channels: ['push', 'email'] }))).toMatchObject({
      kind: 'delivered',
      channel: 'email',
    });
    expect(await deliver(input({ candidate: candidate({ id: `cand-${seq}-b` }) }))).toEqual({
      kind: 'failed',
      reason: 'delivery_failed',
      detail: 'push: payload cannot fit the provider limit (push payload is 5000 bytes after shortening)',
    });
    expect(h.fcm.sendsFor(ANDROID())).toHaveLength(0);
  });

  it('leaves out a deep link that fails validation and still delivers', async () => {
    h.endpoints.addDevice(user, 'android', ANDROID());
    const evil = candidate({ id: `cand-${seq}`, deepLink: 'javascript:alert(1)' });
    expect(await h.deliver(input({ candidate: evil }))).toMatchObject({ kind: 'delivered' });
    expect(nth(h.fcm.sendsFor(ANDROID()), 0).message.data).toEqual({ nid: `cand-${seq}`, category: 'social' });
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

describe('deliverNotification as an activity', () => {
  it('heartbeats after each endpoint (no secrets in the details)', async () => {
    seq += 1;
    const u = `user-${seq}`;
    h.endpoints.addDevice(u, 'ios', apnsToken(900)).addDevice(u, 'android', `android-hb-${seq}`);
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const base = { userId: u, profile: PROFILE, preferences: PREFERENCES, channels: ['push' as const] };
    const result = await env.run(h.deliver, { ...base, candidate: candidate({ id: `hb-${seq}`, userId: u }) });
    expect(result).toMatchObject({ kind: 'delivered', endpoints: 2 });
    expect(beats).toEqual([
      { nid: `hb-${seq}`, channel: 'push', endpointsDone: 1, endpoints: 2 },
      { nid: `hb-${seq}`, channel: 'push', endpointsDone: 2, endpoints: 2 },
    ]);
  });

  it('stops before the next endpoint once Temporal cancels the attempt (e.g. it timed out)', async () => {
    seq += 1;
    const u = `user-${seq}`;
    h.endpoints.addDevice(u, 'ios', apnsToken(901)).addDevice(u, 'ios', apnsToken(902));
    const env = new MockActivityEnvironment();
    env.on('heartbeat', () => env.cancel());
    const base = { userId: u, profile: PROFILE, preferences: PREFERENCES, channels: ['push' as const] };
    const error = await env.run(h.deliver, { ...base, candidate: candidate({ id: `cx-${seq}`, userId: u }) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(h.apns.requestsFor(apnsToken(901))).toHaveLength(1);
    expect(h.apns.requestsFor(apnsToken(902))).toHaveLength(0);
    expect((await h.ledger.list(`cx-${seq}`)).map((e) => e.status)).toEqual(['sent']);
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
    const mail = present(
      entries.find((e) => e.channel === 'email'),
      "the entries entry where e.channel === 'email'",
    );
    expect(mail.subject).toBe('friend_joined (email)');
    expect(mail.body).toContain('Unsubscribe: https://tact.example/v1/unsubscribe/');
    expect(
      present(
        entries.find((e) => e.channel === 'push'),
        "the entries entry where e.channel === 'push'",
      ).data,
    ).toMatchObject({ nid: 'dry-1' });
    expect(
      (await ledger.list('dry-1')).every(
        (e) => e.status === 'sent' && present(e.providerMessageId, 'e.providerMessageId').startsWith('dry-run:'),
      ),
    ).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(apnsToken(7));

    // Idempotent: a retry records nothing new.
    await deliver({ ...base, candidate: candidate({ id: 'dry-1', userId: 'dry-user' }), channels: ['push'] });
    expect(await outbox.list({ userId: 'dry-user', limit: 10 })).toHaveLength(3);
  });
});
