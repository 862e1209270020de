// Wire-level tests of the SMTP provider against a local smtp-server (STARTTLS + AUTH), mail parsed with postal-mime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpEmailProvider } from '../../activities/delivery/providers/smtp';
import { buildEmailMessage } from '../../activities/delivery/content';
import { verifyUnsubscribeToken } from '../../tokens/unsubscribe';
import { DEFAULT_POLICY } from '../../domain/config';
import { startFakeSmtp, type FakeSmtp } from './servers/smtp';
import { candidate, NOW } from './fixtures';
import { addMs, seconds } from '../../domain/units';
import { nth, present } from '../../domain/present';

const SECRET = 'unsubscribe-secret-for-tests-0123456789';
let smtp: FakeSmtp;
let provider: SmtpEmailProvider;

beforeAll(async () => {
  smtp = await startFakeSmtp();
  provider = new SmtpEmailProvider({
    host: smtp.host,
    port: smtp.port,
    secure: false,
    requireTls: true,
    auth: { user: smtp.user, pass: smtp.pass },
    from: '"Tact" <notify@tact.example>',
    ca: [smtp.ca],
  });
});

afterAll(async () => {
  await provider.close();
  await smtp.close();
});

function marketingMail() {
  return buildEmailMessage({
    candidate: candidate({ id: 'cand-mkt-1', category: 'marketing' }),
    userId: 'user-42',
    rendered: {
      kind: 'ok',
      title: 'Spring sale',
      body: 'Everything is 20% off.\n\nSee you soon.',
      direction: 'ltr',
      locale: 'en',
    },
    policy: DEFAULT_POLICY.categories.marketing,
    unsubscribe: { publicBaseUrl: 'https://tact.example/', secret: SECRET },
    actionLink: undefined,
    now: NOW,
  });
}

describe('SMTP provider on the wire', () => {
  it('sends promotional mail over STARTTLS with text and HTML parts and RFC 8058 one-click unsubscribe', async () => {
    const result = await provider.send({ channel: 'email', address: 'ada@example.org' }, marketingMail());

    expect(result).toMatchObject({
      kind: 'ok',
      providerMessageId: expect.stringMatching(/^<[0-9a-f-]{36}@tact\.example>$/),
    });
    const mail = present(smtp.received.at(-1), 'the last of smtp.received');
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe(smtp.user);
    expect(mail.envelope).toEqual({ from: 'notify@tact.example', to: ['ada@example.org'] });
    expect(mail.parsed.subject).toBe('Spring sale');
    expect(mail.parsed.text).toContain('Everything is 20% off.');
    expect(mail.parsed.html).toContain('<html lang="en" dir="ltr">');
    expect(mail.parsed.html).toContain('<p>Everything is 20% off.</p><p>See you soon.</p>');
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.header('content-language')).toBe('en');
    expect(mail.parsed.messageId).toBe(result.kind === 'ok' ? result.providerMessageId : '');

    const url = /^<(https:\/\/tact\.example\/v1\/unsubscribe\/([^>]+))>$/.exec(mail.header('list-unsubscribe') ?? '');
    expect(url).not.toBeNull();
    expect(mail.parsed.html).toContain(`href="${present(url, 'url')[1]}"`);
    expect(verifyUnsubscribeToken(nth(present(url, 'url'), 2), SECRET, addMs(NOW, seconds(1)))).toEqual({
      kind: 'ok',
      claims: { userId: 'user-42', category: 'marketing', issuedAt: NOW },
    });
  });

  it('sends transactional mail without unsubscribe headers, HTML-escaping the text', async () => {
    const message = buildEmailMessage({
      candidate: candidate({ id: 'cand-acc-1', category: 'account' }),
      userId: 'user-42',
      rendered: {
        kind: 'ok',
        title: 'Password changed',
        body: 'Not you? <Reply> & tell us',
        subject: 'Security notice',
        direction: 'rtl',
        locale: 'he',
      },
      policy: DEFAULT_POLICY.categories.account,
      unsubscribe: { publicBaseUrl: 'https://tact.example', secret: SECRET },
      actionLink: 'https://app.example.com/security?from=mail&x="1"',
      now: NOW,
    });
    await provider.send({ channel: 'email', address: 'ada@example.org' }, message);
    const mail = present(smtp.received.at(-1), 'the last of smtp.received');
    // The call to action is a link in both parts (the password reset a sensitive mail exists for).
    expect(mail.parsed.html).toContain(
      '<a href="https://app.example.com/security?from=mail&#38;x=&#34;1&#34;">https://app.example.com/security?from=mail&#38;x=&#34;1&#34;</a>',
    );
    expect(mail.parsed.subject).toBe('Security notice');
    expect(mail.header('list-unsubscribe')).toBeUndefined();
    expect(mail.header('list-unsubscribe-post')).toBeUndefined();
    expect(mail.parsed.html).toContain('dir="rtl"');
    expect(mail.parsed.html).toContain('Not you? &#60;Reply&#62; &#38; tell us');
    expect(mail.parsed.text?.trimEnd()).toBe(
      'Not you? <Reply> & tell us\n\nhttps://app.example.com/security?from=mail&x="1"',
    );
  });

  it('classifies a hard bounce (550 5.1.1) as a dead address, a policy refusal as permanent only, a 452 as retryable', async () => {
    smtp.refuseRecipient('gone@example.org', { code: 550, message: '5.1.1 No such user' });
    smtp.refuseRecipient('disabled@example.org', { code: 550, message: '5.2.1 Mailbox disabled' });
    smtp.refuseRecipient('blocked@example.org', { code: 550, message: '5.7.1 Message refused by policy' });
    smtp.refuseRecipient('bare@example.org', { code: 550, message: 'Rejected' });
    smtp.refuseRecipient('full@example.org', { code: 452, message: '4.2.2 Mailbox full' });
    expect(await provider.send({ channel: 'email', address: 'gone@example.org' }, marketingMail())).toEqual({
      kind: 'permanent',
      code: '550 5.1.1',
      endpointInvalid: true,
    });
    expect(await provider.send({ channel: 'email', address: 'disabled@example.org' }, marketingMail())).toEqual({
      kind: 'permanent',
      code: '550 5.2.1',
      endpointInvalid: true,
    });
    expect(await provider.send({ channel: 'email', address: 'blocked@example.org' }, marketingMail())).toEqual({
      kind: 'permanent',
      code: '550 5.7.1',
      endpointInvalid: false,
    });
    expect(await provider.send({ channel: 'email', address: 'bare@example.org' }, marketingMail())).toEqual({
      kind: 'permanent',
      code: '550',
      endpointInvalid: false,
    });
    expect(await provider.send({ channel: 'email', address: 'full@example.org' }, marketingMail())).toEqual({
      kind: 'retryable',
      code: '452 4.2.2',
    });
  });

  it('classifies an unreachable server as retryable', async () => {
    const offline = new SmtpEmailProvider({
      host: '127.0.0.1',
      port: 1,
      secure: false,
      requireTls: true,
      from: 'a@b.example',
    });
    expect(await offline.send({ channel: 'email', address: 'ada@example.org' }, marketingMail())).toEqual({
      kind: 'retryable',
      code: 'ESOCKET',
    });
    await offline.close();
  });
});
