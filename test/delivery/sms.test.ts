// Wire-level tests of the Twilio-shaped SMS provider against a local HTTP endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwilioSmsProvider } from '../../activities/delivery/providers/twilio-sms';
import { SMS_REPLIES, startFakeSms, type FakeSms } from './servers/sms';
import { present } from '../../domain/present';

let sms: FakeSms;
let provider: TwilioSmsProvider;

beforeAll(async () => {
  sms = await startFakeSms();
  provider = new TwilioSmsProvider({
    baseUrl: `${sms.baseUrl}/`,
    accountSid: sms.accountSid,
    authToken: sms.authToken,
    sender: { kind: 'from', number: '+15005550006' },
  });
});

afterAll(async () => {
  await sms.close();
});

describe('Twilio-shaped SMS provider on the wire', () => {
  it('posts a form with To, From and Body using basic auth', async () => {
    const result = await provider.send(
      { channel: 'sms', phone: '+33612345678' },
      { userId: 'user-42', notificationId: 'n1', text: 'Code: 123456' },
    );
    expect(result).toMatchObject({ kind: 'ok', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    const request = present(sms.requests.at(-1), 'the last of sms.requests');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${sms.accountSid}:${sms.authToken}`).toString('base64')}`,
    );
    const reference = request.headers['idempotency-key'];
    expect(reference).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.form).toEqual({
      To: '+33612345678',
      Body: 'Code: 123456',
      From: '+15005550006',
      ClientReference: reference,
    });
  });

  it('uses MessagingServiceSid when configured', async () => {
    const viaService = new TwilioSmsProvider({
      baseUrl: sms.baseUrl,
      accountSid: sms.accountSid,
      authToken: sms.authToken,
      sender: { kind: 'messaging_service', sid: 'MG0123' },
    });
    await viaService.send(
      { channel: 'sms', phone: '+33600000001' },
      { userId: 'user-42', notificationId: 'n1', text: 'hi' },
    );
    expect(present(sms.requests.at(-1), 'the last of sms.requests').form).toMatchObject({
      To: '+33600000001',
      Body: 'hi',
      MessagingServiceSid: 'MG0123',
    });
  });

  it.each([
    [
      'invalid number (21211)',
      SMS_REPLIES.invalidNumber,
      { kind: 'permanent', code: '400 21211', endpointInvalid: true },
    ],
    ['unsubscribed (21610)', SMS_REPLIES.unsubscribed, { kind: 'permanent', code: '400 21610', endpointInvalid: true }],
    [
      'sender not allowed (21606)',
      SMS_REPLIES.senderNotAllowed,
      { kind: 'permanent', code: '400 21606', endpointInvalid: false },
    ],
    ['body too long (21617)', SMS_REPLIES.bodyTooLong, { kind: 'malformed', code: '400 21617', payloadBytes: 2 }],
    ['429', SMS_REPLIES.tooManyRequests, { kind: 'retryable', code: '429 20429' }],
    ['500', SMS_REPLIES.serverError, { kind: 'retryable', code: '500 20500' }],
  ])('classifies %s by status and Twilio error code', async (_label, reply, expected) => {
    const phone = `+3361111${String(sms.requests.length).padStart(4, '0')}`;
    sms.script(phone, reply);
    expect(
      await provider.send({ channel: 'sms', phone }, { userId: 'user-42', notificationId: 'n1', text: 'hi' }),
    ).toEqual(expected);
  });

  it('reports wrong credentials as a permanent configuration error', async () => {
    const wrong = new TwilioSmsProvider({
      baseUrl: sms.baseUrl,
      accountSid: sms.accountSid,
      authToken: 'wrong',
      sender: { kind: 'from', number: '+1' },
    });
    expect(
      await wrong.send(
        { channel: 'sms', phone: '+33600000002' },
        { userId: 'user-42', notificationId: 'n1', text: 'hi' },
      ),
    ).toEqual({
      kind: 'permanent',
      code: '401 20003',
      endpointInvalid: false,
    });
  });

  it('classifies an unreachable endpoint as retryable', async () => {
    const offline = new TwilioSmsProvider({
      baseUrl: 'http://127.0.0.1:1',
      accountSid: 'AC1',
      authToken: 't',
      sender: { kind: 'from', number: '+1' },
    });
    expect(
      await offline.send(
        { channel: 'sms', phone: '+33600000003' },
        { userId: 'user-42', notificationId: 'n1', text: 'hi' },
      ),
    ).toMatchObject({
      kind: 'retryable',
    });
  });

  it('sends one text for two requests with the same idempotency key (a retry after a lost answer)', async () => {
    const endpoint = { channel: 'sms', phone: '+33600000010' } as const;
    const message = { userId: 'user-42', notificationId: 'n-idem', text: 'Code: 1' };
    const first = await provider.send(endpoint, message);
    const second = await provider.send(endpoint, message);
    expect(second).toEqual(first);
    expect(sms.requests.filter((r) => r.form.To === endpoint.phone).map((r) => r.reply)).toEqual([
      'created',
      'replayed',
    ]);
    expect(sms.messages.filter((m) => m.to === endpoint.phone)).toHaveLength(1);
    // Another notification to the same number is another message.
    await provider.send(endpoint, { ...message, notificationId: 'n-idem-2' });
    expect(sms.messages.filter((m) => m.to === endpoint.phone)).toHaveLength(2);
  });

  it('finds an earlier attempt by its client reference, and only a message carrying it', async () => {
    const endpoint = { channel: 'sms', phone: '+33600000011' } as const;
    const message = { userId: 'user-42', notificationId: 'n-lookup', text: 'Code: 2' };
    expect(await provider.findEarlier(endpoint, message)).toEqual({ kind: 'absent' });
    const sent = await provider.send(endpoint, message);
    expect(await provider.findEarlier(endpoint, message)).toEqual({
      kind: 'found',
      providerMessageId: (sent as { providerMessageId: string }).providerMessageId,
    });
    expect(await provider.findEarlier(endpoint, { ...message, notificationId: 'n-other' })).toEqual({ kind: 'absent' });
  });

  it('reports a lookup it cannot make now as unreachable, and one the provider does not offer as absent', async () => {
    const endpoint = { channel: 'sms', phone: '+33600000012' } as const;
    const message = { userId: 'user-42', notificationId: 'n-x', text: 'hi' };
    const offline = new TwilioSmsProvider({
      baseUrl: 'http://127.0.0.1:1',
      accountSid: 'AC1',
      authToken: 't',
      sender: { kind: 'from', number: '+1' },
    });
    expect(await offline.findEarlier(endpoint, message)).toMatchObject({ kind: 'unreachable' });
    const elsewhere = new TwilioSmsProvider({
      baseUrl: `${sms.baseUrl}/no-such-api`,
      accountSid: sms.accountSid,
      authToken: sms.authToken,
      sender: { kind: 'from', number: '+1' },
    });
    expect(await elsewhere.findEarlier(endpoint, message)).toEqual({ kind: 'absent' });
  });
});
