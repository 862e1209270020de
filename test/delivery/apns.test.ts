// Wire-level tests of the APNs provider against a local HTTP/2 TLS APNs server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApnsProvider } from '../../activities/delivery/providers/apns';
import { APNS_REPLIES, startFakeApns, type FakeApns } from './servers/apns';
import { apnsToken, NOW, pushMessage } from './fixtures';
import type { PushEndpoint } from '../../activities/delivery/types';
import { present } from '../../domain/present';

const TOPIC = 'com.example.tact';
let apns: FakeApns;
let provider: ApnsProvider;

function ios(n: number): PushEndpoint {
  return { channel: 'push', platform: 'ios', token: apnsToken(n) };
}

beforeAll(async () => {
  apns = await startFakeApns();
  provider = new ApnsProvider({
    signingKey: apns.signingKey,
    keyId: apns.keyId,
    teamId: apns.teamId,
    topic: TOPIC,
    production: false,
    address: apns.address,
    port: apns.port,
    ca: [apns.ca],
  });
});

afterAll(async () => {
  await provider.close();
  await apns.close();
});

describe('APNs provider on the wire', () => {
  it('sends an alert with topic, push type, priority, expiry, collapse id, thread id and the notification id', async () => {
    const endpoint = ios(1);
    const message = pushMessage({
      urgency: 'normal',
      imageUrl: 'https://cdn.example.com/a.jpg',
      content: {
        title: 'New article',
        body: 'Read what Ada wrote',
        data: { nid: 'cand-0001', category: 'content', link: 'tact-demo://a/1' },
      },
    });
    const result = await provider.send(endpoint, message);

    expect(result.kind).toBe('ok');
    const [request] = apns.requestsFor(endpoint.token);
    expect(request).toBeDefined();
    expect(present(request, 'request').headers['apns-topic']).toBe(TOPIC);
    expect(present(request, 'request').headers['apns-push-type']).toBe('alert');
    expect(present(request, 'request').headers['apns-priority']).toBe('5');
    expect(present(request, 'request').headers['apns-expiration']).toBe(
      String(Math.floor((NOW + 2 * 3600_000) / 1000)),
    );
    expect(present(request, 'request').headers['apns-collapse-id']).toBe('content');
    expect(present(request, 'request').headers['apns-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(result).toEqual({ kind: 'ok', providerMessageId: present(request, 'request').headers['apns-id'] });
    expect(present(request, 'request').jwt.iss).toBe(apns.teamId);
    expect(present(request, 'request').payload).toEqual({
      nid: 'cand-0001',
      category: 'content',
      link: 'tact-demo://a/1',
      aps: {
        alert: { title: 'New article', body: 'Read what Ada wrote' },
        'thread-id': 'content',
        sound: 'default',
        'mutable-content': 1,
      },
    });
  });

  it('uses priority 10 for urgent notifications and no mutable-content without rich media', async () => {
    const endpoint = ios(2);
    const { collapseKey: _, ...uncollapsed } = pushMessage({ urgency: 'high', replaceTag: 'cand-0002' });
    await provider.send(endpoint, uncollapsed);
    const [request] = apns.requestsFor(endpoint.token);
    expect(present(request, 'request').headers['apns-priority']).toBe('10');
    expect(present(request, 'request').headers['apns-collapse-id']).toBe('cand-0002');
    expect((present(request, 'request').payload.aps as Record<string, unknown>)['mutable-content']).toBeUndefined();
  });

  it('derives the same apns-id for the same notification and device, and a different one per device', async () => {
    const message = pushMessage({ notificationId: 'cand-dedupe' });
    await provider.send(ios(3), message);
    await provider.send(ios(3), message);
    await provider.send(ios(4), message);
    const first = apns.requestsFor(apnsToken(3)).map((r) => r.headers['apns-id']);
    const other = apns.requestsFor(apnsToken(4)).map((r) => r.headers['apns-id']);
    expect(first).toHaveLength(2);
    expect(first[0]).toBe(first[1]);
    expect(other[0]).not.toBe(first[0]);
  });

  it.each([
    [
      '410 Unregistered',
      APNS_REPLIES.unregistered,
      { kind: 'permanent', code: '410 Unregistered', endpointInvalid: true },
    ],
    [
      '400 BadDeviceToken',
      APNS_REPLIES.badDeviceToken,
      { kind: 'permanent', code: '400 BadDeviceToken', endpointInvalid: true },
    ],
    ['429 TooManyRequests', APNS_REPLIES.tooManyRequests, { kind: 'retryable', code: '429 TooManyRequests' }],
    ['503 ServiceUnavailable', APNS_REPLIES.serviceUnavailable, { kind: 'retryable', code: '503 ServiceUnavailable' }],
  ])('classifies %s by status and reason code', async (_label, reply, expected) => {
    const endpoint = ios(10 + apns.requests.length);
    apns.script(endpoint.token, reply);
    const result = await provider.send(endpoint, pushMessage());
    expect(result).toEqual(expected);
    // Exactly one attempt: retries belong to Temporal's retry policy, not to node-apn.
    expect(apns.requestsFor(endpoint.token)).toHaveLength(1);
  });

  it('refuses a payload over 4 KB before sending, reporting its size', async () => {
    const endpoint = ios(99);
    const result = await provider.send(
      endpoint,
      pushMessage({ content: { title: 't', body: 'x'.repeat(5000), data: { nid: 'n' } } }),
    );
    expect(result).toMatchObject({ kind: 'malformed' });
    expect(result.kind === 'malformed' && result.payloadBytes).toBeGreaterThan(4096);
    expect(apns.requestsFor(endpoint.token)).toHaveLength(0);
  });
});
