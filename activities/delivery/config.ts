// Provider configuration from the environment. A channel with no variables set runs dry (outbox);
// a channel with some but not all required variables is a configuration error, reported at startup.
// Secret values come from the variable or from a file named by `<NAME>_FILE`; they are never logged.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Providers } from './types';
import type { UnsubscribeConfig } from './content';
import { ApnsProvider } from './providers/apns';
import { FcmProvider } from './providers/fcm';
import { SmtpEmailProvider } from './providers/smtp';
import { TwilioSmsProvider } from './providers/twilio-sms';
import { nth } from '../../domain/present';

export type Env = Record<string, string | undefined>;

export class DeliveryConfigError extends Error {
  override readonly name = 'DeliveryConfigError';
}

function value(env: Env, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file !== undefined && file !== '') {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new DeliveryConfigError(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  return undefined;
}

/** Reads a group of variables: all absent → undefined (dry run); some absent → error naming them. */
function group<K extends string>(
  env: Env,
  channel: string,
  required: Record<K, string>,
): Record<K, string> | undefined {
  const entries = Object.entries(required) as [K, string][];
  const found = entries.map(([key, name]) => [key, value(env, name)] as const);
  if (found.every(([, v]) => v === undefined)) return undefined;
  const missing = entries.filter((_, i) => nth(found, i)[1] === undefined).map(([, name]) => name);
  if (missing.length > 0) {
    throw new DeliveryConfigError(`${channel} is partly configured; missing ${missing.join(', ')}`);
  }
  return Object.fromEntries(found) as Record<K, string>;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new DeliveryConfigError(`${name} must be true or false, got "${raw}"`);
}

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
    throw new DeliveryConfigError(`${name} must be a TCP port, got "${raw}"`);
  }
  return parsed;
}

function caFile(env: Env, name: string): string[] | undefined {
  const file = env[name];
  if (file === undefined || file === '') return undefined;
  try {
    return [readFileSync(file, 'utf8')];
  } catch (error) {
    throw new DeliveryConfigError(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
}

function apnsFromEnv(env: Env): ApnsProvider | undefined {
  const required = group(env, 'APNs', {
    signingKey: 'TACT_APNS_KEY',
    keyId: 'TACT_APNS_KEY_ID',
    teamId: 'TACT_APNS_TEAM_ID',
    topic: 'TACT_APNS_TOPIC',
  });
  if (required === undefined) return undefined;
  const environment = env.TACT_APNS_ENVIRONMENT ?? 'production';
  if (environment !== 'production' && environment !== 'sandbox') {
    throw new DeliveryConfigError(`TACT_APNS_ENVIRONMENT must be production or sandbox, got "${environment}"`);
  }
  const ca = caFile(env, 'TACT_APNS_CA_FILE');
  return new ApnsProvider({
    ...required,
    production: environment === 'production',
    ...(env.TACT_APNS_HOST ? { address: env.TACT_APNS_HOST } : {}),
    ...(env.TACT_APNS_PORT ? { port: port(env, 'TACT_APNS_PORT', 443) } : {}),
    ...(ca !== undefined && { ca }),
  });
}

function fcmFromEnv(env: Env): FcmProvider | undefined {
  const file = env.TACT_FCM_SERVICE_ACCOUNT_FILE;
  if (file) return new FcmProvider({ serviceAccount: { kind: 'file', path: file } });
  const inline = env.TACT_FCM_SERVICE_ACCOUNT;
  if (!inline) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(inline);
  } catch {
    throw new DeliveryConfigError('TACT_FCM_SERVICE_ACCOUNT is not valid service-account JSON');
  }
  if (typeof json !== 'object' || json === null) {
    throw new DeliveryConfigError('TACT_FCM_SERVICE_ACCOUNT is not a service-account JSON object');
  }
  return new FcmProvider({ serviceAccount: { kind: 'json', json } });
}

function smtpFromEnv(env: Env): SmtpEmailProvider | undefined {
  const required = group(env, 'SMTP email', { host: 'TACT_SMTP_HOST', from: 'TACT_EMAIL_FROM' });
  if (required === undefined) return undefined;
  const user = value(env, 'TACT_SMTP_USER');
  const pass = value(env, 'TACT_SMTP_PASSWORD');
  if ((user === undefined) !== (pass === undefined)) {
    throw new DeliveryConfigError('TACT_SMTP_USER and TACT_SMTP_PASSWORD must be set together');
  }
  const secure = flag(env, 'TACT_SMTP_SECURE', false);
  const ca = caFile(env, 'TACT_SMTP_CA_FILE');
  return new SmtpEmailProvider({
    host: required.host,
    from: required.from,
    port: port(env, 'TACT_SMTP_PORT', secure ? 465 : 587),
    secure,
    requireTls: flag(env, 'TACT_SMTP_REQUIRE_TLS', true),
    ...(user !== undefined && pass !== undefined && { auth: { user, pass } }),
    ...(ca !== undefined && { ca }),
  });
}

function smsFromEnv(env: Env): TwilioSmsProvider | undefined {
  const required = group(env, 'SMS', { accountSid: 'TACT_SMS_ACCOUNT_SID', authToken: 'TACT_SMS_AUTH_TOKEN' });
  const from = env.TACT_SMS_FROM;
  const service = env.TACT_SMS_MESSAGING_SERVICE_SID;
  if (required === undefined) {
    if (from || service)
      throw new DeliveryConfigError('SMS is partly configured; missing TACT_SMS_ACCOUNT_SID, TACT_SMS_AUTH_TOKEN');
    return undefined;
  }
  const sender = from
    ? ({ kind: 'from', number: from } as const)
    : service
      ? ({ kind: 'messaging_service', sid: service } as const)
      : undefined;
  if (sender === undefined || (from && service)) {
    throw new DeliveryConfigError('SMS needs exactly one of TACT_SMS_FROM or TACT_SMS_MESSAGING_SERVICE_SID');
  }
  return new TwilioSmsProvider({
    ...required,
    baseUrl: env.TACT_SMS_BASE_URL || 'https://api.twilio.com',
    sender,
  });
}

/** Live providers for every channel with credentials; channels left out go to the dry-run outbox. */
export function providersFromEnv(env: Env): Providers {
  const apns = apnsFromEnv(env);
  const fcm = fcmFromEnv(env);
  const email = smtpFromEnv(env);
  const sms = smsFromEnv(env);
  return {
    ...(apns !== undefined && { apns }),
    ...(fcm !== undefined && { fcm }),
    ...(email !== undefined && { email }),
    ...(sms !== undefined && { sms }),
  };
}

/** For the startup log and the demo: which channels are live and which run dry. */
export function describeProviders(providers: Providers): Record<keyof Providers, 'live' | 'dry-run'> {
  const mode = (p: unknown): 'live' | 'dry-run' => (p === undefined ? 'dry-run' : 'live');
  return {
    apns: mode(providers.apns),
    fcm: mode(providers.fcm),
    email: mode(providers.email),
    sms: mode(providers.sms),
  };
}

/**
 * Unsubscribe links need a stable secret once email is live. Without live email the links only appear in the
 * dry-run outbox, so an ephemeral secret is acceptable there.
 */
export function unsubscribeConfigFromEnv(env: Env, providers: Providers): UnsubscribeConfig {
  const secret = value(env, 'TACT_UNSUBSCRIBE_SECRET');
  const publicBaseUrl = env.TACT_PUBLIC_URL || 'http://localhost:3000';
  if (secret !== undefined) return { publicBaseUrl, secret };
  if (providers.email !== undefined) {
    throw new DeliveryConfigError('TACT_UNSUBSCRIBE_SECRET (32+ bytes) is required when SMTP email is configured');
  }
  return { publicBaseUrl, secret: randomBytes(32).toString('base64url') };
}

/** Closes every configured provider (their connections and timers). */
export async function closeProviders(providers: Providers): Promise<void> {
  const { apns, fcm, email, sms } = providers;
  await Promise.all([apns, fcm, email, sms].flatMap((provider) => (provider ? [provider.close()] : [])));
}
