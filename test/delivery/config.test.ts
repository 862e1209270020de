import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApnsProvider,
  DeliveryConfigError,
  describeProviders,
  FcmProvider,
  closeProviders,
  providersFromEnv,
  SmtpEmailProvider,
  TwilioSmsProvider,
  unsubscribeConfigFromEnv,
} from '../../activities/delivery';
import { present } from '../../domain/present';

const dir = mkdtempSync(join(tmpdir(), 'tact-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const p8File = join(dir, 'AuthKey.p8');
writeFileSync(p8File, p8);
const serviceAccount = {
  type: 'service_account',
  project_id: 'p',
  client_email: 'x@p.iam.gserviceaccount.com',
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
};
const saFile = join(dir, 'sa.json');
writeFileSync(saFile, JSON.stringify(serviceAccount));

describe('providersFromEnv', () => {
  it('runs every channel dry without credentials', () => {
    const providers = providersFromEnv({});
    expect(providers).toEqual({});
    expect(describeProviders(providers)).toEqual({ apns: 'dry-run', fcm: 'dry-run', email: 'dry-run', sms: 'dry-run' });
  });

  it('builds every live provider from variables and *_FILE variants', async () => {
    const providers = providersFromEnv({
      TACT_APNS_KEY_FILE: p8File,
      TACT_APNS_KEY_ID: 'KEY1234567',
      TACT_APNS_TEAM_ID: 'TEAM123456',
      TACT_APNS_TOPIC: 'com.example.app',
      TACT_APNS_ENVIRONMENT: 'sandbox',
      TACT_FCM_SERVICE_ACCOUNT_FILE: saFile,
      TACT_SMTP_HOST: 'smtp.example.org',
      TACT_EMAIL_FROM: 'Tact <n@example.org>',
      TACT_SMTP_USER: 'u',
      TACT_SMTP_PASSWORD: 'p',
      TACT_SMS_ACCOUNT_SID: 'AC1',
      TACT_SMS_AUTH_TOKEN: 'tok',
      TACT_SMS_FROM: '+15005550006',
    });
    expect(providers.apns).toBeInstanceOf(ApnsProvider);
    expect(providers.fcm).toBeInstanceOf(FcmProvider);
    expect(providers.email).toBeInstanceOf(SmtpEmailProvider);
    expect(providers.sms).toBeInstanceOf(TwilioSmsProvider);
    expect(describeProviders(providers)).toEqual({ apns: 'live', fcm: 'live', email: 'live', sms: 'live' });
    await closeProviders(providers);
  });

  it('accepts an inline service account', async () => {
    const { fcm } = providersFromEnv({ TACT_FCM_SERVICE_ACCOUNT: JSON.stringify(serviceAccount) });
    expect(fcm).toBeInstanceOf(FcmProvider);
    await present(fcm, 'fcm').close();
  });

  it.each([
    [{ TACT_APNS_KEY_ID: 'K' }, /APNs is partly configured; missing TACT_APNS_KEY, TACT_APNS_TEAM_ID, TACT_APNS_TOPIC/],
    [{ TACT_SMTP_HOST: 'h' }, /SMTP email is partly configured; missing TACT_EMAIL_FROM/],
    [{ TACT_SMS_FROM: '+1' }, /SMS is partly configured/],
    [
      { TACT_SMS_ACCOUNT_SID: 'a', TACT_SMS_AUTH_TOKEN: 'b' },
      /exactly one of TACT_SMS_FROM or TACT_SMS_MESSAGING_SERVICE_SID/,
    ],
    [{ TACT_SMTP_HOST: 'h', TACT_EMAIL_FROM: 'f', TACT_SMTP_PORT: '99999' }, /TACT_SMTP_PORT must be a TCP port/],
    [{ TACT_SMTP_HOST: 'h', TACT_EMAIL_FROM: 'f', TACT_SMTP_USER: 'u' }, /must be set together/],
    [{ TACT_FCM_SERVICE_ACCOUNT: '{nope' }, /not valid service-account JSON/],
    [{ TACT_APNS_KEY_FILE: join(dir, 'missing.p8') }, /TACT_APNS_KEY_FILE: cannot read .*missing\.p8 \(ENOENT\)/],
  ])('rejects a partial or invalid configuration %#', (env, message) => {
    expect(() => providersFromEnv(env)).toThrow(DeliveryConfigError);
    expect(() => providersFromEnv(env)).toThrow(message);
  });

  it('never puts secret values in configuration errors', () => {
    const env = { TACT_SMS_AUTH_TOKEN: 'super-secret-token-value', TACT_SMS_FROM: '+1' };
    expect(() => providersFromEnv(env)).toThrow(/missing TACT_SMS_ACCOUNT_SID/);
    expect(() => providersFromEnv(env)).not.toThrow(/super-secret/);
  });
});

describe('unsubscribeConfigFromEnv', () => {
  it('requires a secret once email is live and uses an ephemeral one in dry run', () => {
    const email = new SmtpEmailProvider({
      host: 'h',
      port: 587,
      secure: false,
      requireTls: true,
      from: 'f@example.org',
    });
    expect(() => unsubscribeConfigFromEnv({}, { email })).toThrow(/TACT_UNSUBSCRIBE_SECRET/);
    expect(
      unsubscribeConfigFromEnv(
        { TACT_UNSUBSCRIBE_SECRET: 's'.repeat(32), TACT_PUBLIC_URL: 'https://t.example' },
        { email },
      ),
    ).toEqual({
      publicBaseUrl: 'https://t.example',
      secret: 's'.repeat(32),
    });
    expect(unsubscribeConfigFromEnv({}, {}).secret).toHaveLength(43);
  });
});
