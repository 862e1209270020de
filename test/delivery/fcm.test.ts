// Wire-level tests of the FCM provider: firebase-admin (unmodified) talks to a local HTTPS server that speaks
// Google's OAuth token endpoint and the FCM HTTP v1 API, reached through firebase-admin's httpAgent option.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcmProvider } from '../../activities/delivery/providers/fcm';
import { startFakeFcm, type FakeFcm } from './servers/fcm';
import { pushMessage } from './fixtures';
import type { PushEndpoint } from '../../activities/delivery/types';
import { nth, present } from '../../domain/present';

let fcm: FakeFcm;
let provider: FcmProvider;
let counter = 0;

function android(): PushEndpoint {
  counter += 1;
  return { channel: 'push', platform: 'android', token: `android-token-${counter}:APA91b${'x'.repeat(120)}` };
}

beforeAll(async () => {
  fcm = await startFakeFcm();
  provider = new FcmProvider({ serviceAccount: { kind: 'file', path: fcm.serviceAccountFile }, httpAgent: fcm.agent });
});

afterAll(async () => {
  await provider.close();
  await fcm.close();
});

describe('FCM provider on the wire', () => {
  it('authenticates with a signed service-account assertion and sends the HTTP v1 message for Android', async () => {
    const endpoint = android();
    const result = await provider.send(
      endpoint,
      pushMessage({
        urgency: 'high',
        ttlMs: 90_500,
        content: {
          title: 'Hi',
          body: 'Ada joined',
          data: { nid: 'cand-0001', category: 'content', link: 'tact-demo://x' },
        },
      }),
    );

    expect(result).toMatchObject({
      kind: 'ok',
      providerMessageId: expect.stringMatching(/^projects\/tact-test-project\/messages\//),
    });
    expect(nth(fcm.tokenRequests, 0).claims).toMatchObject({
      iss: fcm.serviceAccount.client_email,
      aud: 'https://oauth2.googleapis.com/token',
      scope: expect.stringContaining('https://www.googleapis.com/auth/firebase.messaging'),
    });
    const [send] = fcm.sendsFor(endpoint.token);
    expect(present(send, 'send').projectId).toBe('tact-test-project');
    expect(fcm.issuedTokens.has(String(present(send, 'send').headers.authorization).replace('Bearer ', ''))).toBe(true);
    expect(present(send, 'send').message).toEqual({
      token: endpoint.token,
      notification: { title: 'Hi', body: 'Ada joined' },
      data: { nid: 'cand-0001', category: 'content', link: 'tact-demo://x' },
      android: { priority: 'high', ttl: '90.500000000s', collapse_key: 'content', notification: { tag: 'content' } },
    });
  });

  it('sends web tokens a webpush config with TTL, urgency, topic, tag, direction and an https link', async () => {
    const endpoint: PushEndpoint = { channel: 'push', platform: 'web', token: 'web-token-1' };
    await provider.send(
      endpoint,
      pushMessage({
        direction: 'rtl',
        locale: 'ar',
        content: { title: 'مرحبا', body: 'نص', data: { nid: 'cand-0001', link: 'https://app.example.com/a' } },
      }),
    );
    const [send] = fcm.sendsFor(endpoint.token);
    expect(present(send, 'send').message.android).toBeUndefined();
    expect(present(send, 'send').message.webpush).toEqual({
      headers: { TTL: '7200', Urgency: 'normal', Topic: 'content' },
      notification: { tag: 'content', dir: 'rtl', lang: 'ar' },
      fcmOptions: { link: 'https://app.example.com/a' },
    });
  });

  it('omits the collapse key for non-collapsible categories but keeps the replace tag', async () => {
    const endpoint = android();
    const { collapseKey: _, ...uncollapsed } = pushMessage({ replaceTag: 'cand-0001' });
    await provider.send(endpoint, uncollapsed);
    const [send] = fcm.sendsFor(endpoint.token);
    expect(present(send, 'send').message.android).toEqual({
      priority: 'normal',
      ttl: '7200s',
      notification: { tag: 'cand-0001' },
    });
  });

  it.each([
    ['UNREGISTERED', { kind: 'permanent', code: 'messaging/registration-token-not-registered', endpointInvalid: true }],
    [
      'INVALID_ARGUMENT_TOKEN',
      { kind: 'permanent', code: 'messaging/invalid-argument (message.token)', endpointInvalid: true },
    ],
    // Real FCM answers a garbage token with INVALID_ARGUMENT and an FcmError detail only: with our payload within
    // the size limit, FCM's token guidance makes that a dead token.
    [
      'INVALID_ARGUMENT_GARBAGE_TOKEN',
      { kind: 'permanent', code: 'messaging/invalid-argument', endpointInvalid: true },
    ],
    [
      'INVALID_ARGUMENT_PAYLOAD',
      {
        kind: 'malformed',
        code: 'messaging/invalid-argument (message.android.notification.tag)',
        payloadBytes: expect.any(Number),
      },
    ],
    ['QUOTA_EXCEEDED', { kind: 'retryable', code: 'messaging/message-rate-exceeded' }],
  ] as const)('classifies %s by error code', async (reply, expected) => {
    const endpoint = android();
    fcm.script(endpoint.token, reply);
    expect(await provider.send(endpoint, pushMessage())).toEqual(expected);
    expect(fcm.sendsFor(endpoint.token)).toHaveLength(1);
  });

  it('classifies a persistent UNAVAILABLE as retryable after firebase-admin’s own 503 retries', async () => {
    const endpoint = android();
    fcm.script(endpoint.token, 'UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE');
    expect(await provider.send(endpoint, pushMessage())).toEqual({
      kind: 'retryable',
      code: 'messaging/server-unavailable',
    });
    // firebase-admin retries 503 four times (backoff 0, 1, 2, 4 s) before giving up.
    expect(fcm.sendsFor(endpoint.token)).toHaveLength(5);
  }, 30_000);

  it('reports the payload size when refusing an oversized message before sending', async () => {
    const endpoint = android();
    const result = await provider.send(
      endpoint,
      pushMessage({ content: { title: 't', body: 'é'.repeat(2100), data: { nid: 'n' } } }),
    );
    expect(result).toMatchObject({ kind: 'malformed' });
    expect(result.kind === 'malformed' && result.payloadBytes).toBeGreaterThan(4096);
    expect(fcm.sendsFor(endpoint.token)).toHaveLength(0);
  });
});
