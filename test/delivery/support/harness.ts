// Wires the real deliverNotification activity to the fake provider servers and in-memory ports.
// Reusable by end-to-end tests: start it, register devices, call `deliver`, inspect servers and ports.
import { createDeliverNotification, type DeliveryDeps } from '../../../activities/delivery';
import { ApnsProvider } from '../../../activities/delivery/providers/apns';
import { FcmProvider } from '../../../activities/delivery/providers/fcm';
import { SmtpEmailProvider } from '../../../activities/delivery/providers/smtp';
import { TwilioSmsProvider } from '../../../activities/delivery/providers/twilio-sms';
import type { FitPushPayload, Providers, Render, RenderResult } from '../../../activities/delivery/types';
import { validateDeepLink } from '../../../localization/deep-link';
import { startFakeApns, type FakeApns } from '../servers/apns';
import { startFakeFcm, type FakeFcm } from '../servers/fcm';
import { startFakeSmtp, type FakeSmtp } from '../servers/smtp';
import { startFakeSms, type FakeSms } from '../servers/sms';
import { InMemoryEndpoints, InMemoryLedger, InMemoryOutbox } from './in-memory-ports';
import type { EpochMs } from '../../../domain/types';

export const APNS_TOPIC = 'com.example.tact';
export const ALLOWED_DEEP_LINKS = { schemes: ['https', 'tact-demo'], hosts: ['app.example.com'] };
export const UNSUBSCRIBE = { publicBaseUrl: 'https://tact.example', secret: 'unsubscribe-secret-for-tests-0123456789' };

/** Test renderer: `{name}` placeholders from the candidate's variables; template `broken` fails. */
export const testRender: Render = ({ candidate, channel, privacyMode, sensitive, locale }): RenderResult => {
  if (candidate.template === 'broken')
    return { kind: 'error', reason: 'template_error', detail: 'missing variable "friend"' };
  if (channel === 'push' && (privacyMode || sensitive))
    return { kind: 'ok', title: 'New activity', body: 'Open the app to see it', direction: 'ltr', locale };
  const fill = (text: string) =>
    text.replace(/\{(\w+)\}/g, (_m, name: string) => String(candidate.variables[name] ?? ''));
  return {
    kind: 'ok',
    title: fill(`${candidate.template} (${channel})`),
    body: fill(String(candidate.variables.body ?? '{friend} joined')),
    direction: 'ltr',
    locale,
  };
};

/** Test fit: drops whole graphemes from the body until the content fits. */
export const testFit: FitPushPayload = (payload, limitBytes) => {
  const segments = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(payload.body)].map(
    (s) => s.segment,
  );
  let body = payload.body;
  while (Buffer.byteLength(JSON.stringify({ ...payload, body }), 'utf8') > limitBytes && segments.length > 0) {
    segments.pop();
    body = `${segments.join('')}…`;
  }
  return { ...payload, body };
};

export interface Harness {
  apns: FakeApns;
  fcm: FakeFcm;
  smtp: FakeSmtp;
  sms: FakeSms;
  providers: Required<Providers>;
  ledger: InMemoryLedger;
  endpoints: InMemoryEndpoints;
  outbox: InMemoryOutbox;
  clock: { now: EpochMs };
  logs: { level: string; event: string; fields: Record<string, unknown> }[];
  deliver: ReturnType<typeof createDeliverNotification>;
  /** A deliver function with some dependencies replaced (e.g. a crashing ledger, no providers). */
  deliverWith(overrides: Partial<DeliveryDeps>): ReturnType<typeof createDeliverNotification>;
  close(): Promise<void>;
}

export async function startHarness(now: EpochMs): Promise<Harness> {
  const [apns, fcm, smtp, sms] = await Promise.all([startFakeApns(), startFakeFcm(), startFakeSmtp(), startFakeSms()]);
  const providers: Required<Providers> = {
    apns: new ApnsProvider({
      signingKey: apns.signingKey,
      keyId: apns.keyId,
      teamId: apns.teamId,
      topic: APNS_TOPIC,
      production: false,
      address: apns.address,
      port: apns.port,
      ca: [apns.ca],
    }),
    fcm: new FcmProvider({ serviceAccount: { kind: 'file', path: fcm.serviceAccountFile }, httpAgent: fcm.agent }),
    email: new SmtpEmailProvider({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      requireTls: true,
      auth: { user: smtp.user, pass: smtp.pass },
      from: 'Tact <notify@tact.example>',
      ca: [smtp.ca],
    }),
    sms: new TwilioSmsProvider({
      baseUrl: sms.baseUrl,
      accountSid: sms.accountSid,
      authToken: sms.authToken,
      sender: { kind: 'from', number: '+15005550006' },
    }),
  };
  const ledger = new InMemoryLedger();
  const endpoints = new InMemoryEndpoints();
  const outbox = new InMemoryOutbox();
  const clock = { now };
  const logs: Harness['logs'] = [];
  const base: DeliveryDeps = {
    ledger,
    endpoints,
    outbox,
    providers,
    render: testRender,
    fitPushPayload: testFit,
    validateDeepLink: (url) => validateDeepLink(url, ALLOWED_DEEP_LINKS),
    unsubscribe: UNSUBSCRIBE,
    now: () => clock.now,
    log: (level, event, fields) => logs.push({ level, event, fields }),
  };
  return {
    apns,
    fcm,
    smtp,
    sms,
    providers,
    ledger,
    endpoints,
    outbox,
    clock,
    logs,
    deliver: createDeliverNotification(base),
    deliverWith: (overrides) => createDeliverNotification({ ...base, ...overrides }),
    close: async () => {
      await Promise.all(Object.values(providers).map((p) => p.close()));
      await Promise.all([apns.close(), fcm.close(), smtp.close(), sms.close()]);
    },
  };
}
