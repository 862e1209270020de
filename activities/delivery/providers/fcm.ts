// Android and web push through the FCM HTTP v1 API with firebase-admin.
import type { Agent } from 'node:http';
import { randomUUID } from 'node:crypto';
import { cert, deleteApp, initializeApp, type App, type AppOptions } from 'firebase-admin/app';
import { getMessaging, type Message } from 'firebase-admin/messaging';
import type { PushEndpoint, PushMessage, PushProvider, ProviderResult } from '../types';

export const FCM_PAYLOAD_LIMIT_BYTES = 4096;

export type FcmConfig =
  /** Service-account JSON (`project_id`, `client_email`, `private_key`) given inline. */
  | { serviceAccount: { kind: 'json'; json: object } }
  /**
   * Service-account JSON file, plus an optional agent for the OAuth token request and the FCM sends (an egress
   * proxy; tests route to a local server with it: firebase-admin has no option for the FCM host). The agent
   * needs the file form: for an inline object, firebase-admin 14.5 builds the OAuth client without it.
   */
  | { serviceAccount: { kind: 'file'; path: string }; httpAgent?: Agent };

interface FirebaseLikeError {
  code?: unknown;
  httpResponse?: { status?: number; data?: unknown };
  cause?: { status?: number; response?: { status?: number }; code?: unknown };
}

const DEAD_TOKEN_CODES = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
]);
const RETRYABLE_CODES = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'messaging/server-unavailable',
  'messaging/internal-error',
  'app/network-error',
  'app/network-timeout',
]);
const MALFORMED_CODES = new Set([
  'messaging/payload-size-limit-exceeded',
  'messaging/invalid-payload',
  'messaging/invalid-data-payload-key',
  'messaging/invalid-options',
]);

const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

/**
 * The request fields FCM names in a `google.rpc.BadRequest` detail. FCM documents that a payload error carries
 * one (e.g. `message.data[0].value`), while an invalid registration token comes with only an `FcmError` detail
 * (https://firebase.google.com/docs/cloud-messaging/error-codes); some answers name `message.token` itself.
 */
function violatedFields(data: unknown): string[] {
  const details = (data as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return [];
  return details.flatMap((detail: { '@type'?: unknown; fieldViolations?: { field?: unknown }[] }) =>
    detail?.['@type'] === BAD_REQUEST && Array.isArray(detail.fieldViolations)
      ? detail.fieldViolations.map((v) => (typeof v?.field === 'string' ? v.field : ''))
      : [],
  );
}

/**
 * INVALID_ARGUMENT on a send to one token, after our own 4 KB check passed: FCM's token guidance says that with a
 * valid payload it means the token will never be valid again. Only a field violation naming a field other than
 * the token marks the payload itself as wrong (then no token is switched off for our own bug).
 */
function classifyInvalidArgument(code: string, data: unknown, payloadBytes: number): ProviderResult {
  const fields = violatedFields(data);
  const payloadFields = fields.filter((field) => field !== 'message.token');
  if (payloadFields.length > 0)
    return { kind: 'malformed', code: `${code} (${payloadFields.join(', ')})`, payloadBytes };
  return {
    kind: 'permanent',
    code: fields.length > 0 ? `${code} (message.token)` : code,
    endpointInvalid: true,
  };
}

export function classifyFcmError(error: unknown, payloadBytes: number): ProviderResult {
  const err = (error ?? {}) as FirebaseLikeError;
  const code = typeof err.code === 'string' ? err.code : 'unknown';
  const status = err.httpResponse?.status;
  if (DEAD_TOKEN_CODES.has(code)) return { kind: 'permanent', code, endpointInvalid: true };
  if (code === 'messaging/invalid-argument') return classifyInvalidArgument(code, err.httpResponse?.data, payloadBytes);
  if (RETRYABLE_CODES.has(code)) return { kind: 'retryable', code };
  if (MALFORMED_CODES.has(code)) return { kind: 'malformed', code, payloadBytes };
  if (code === 'app/invalid-credential') {
    // The OAuth token fetch failed: a 4xx answer is a bad or revoked key, anything else is transport.
    const causeStatus = err.cause?.status ?? err.cause?.response?.status;
    return causeStatus !== undefined && causeStatus >= 400 && causeStatus < 500 && causeStatus !== 429
      ? { kind: 'permanent', code: `${code} (${causeStatus})`, endpointInvalid: false }
      : { kind: 'retryable', code };
  }
  if (status !== undefined && (status === 429 || status >= 500))
    return { kind: 'retryable', code: `${code} (${status})` };
  // mismatched-credential, third-party-auth-error, authentication-error: our configuration, not the device.
  return { kind: 'permanent', code, endpointInvalid: false };
}

export function buildFcmMessage(endpoint: PushEndpoint, message: PushMessage): Message {
  const { title, body, data } = message.content;
  const base = { token: endpoint.token, notification: { title, body }, data };
  if (endpoint.platform === 'web') {
    const link = data.link;
    return {
      ...base,
      webpush: {
        headers: {
          TTL: String(Math.floor(message.ttlMs / 1000)),
          Urgency: message.urgency,
          ...(message.collapseKey !== undefined && { Topic: message.collapseKey }),
        },
        notification: {
          tag: message.replaceTag,
          dir: message.direction,
          lang: message.locale,
          ...(message.imageUrl !== undefined && { image: message.imageUrl }),
        },
        ...(link !== undefined && link.startsWith('https://') && { fcmOptions: { link } }),
      },
    };
  }
  return {
    ...base,
    android: {
      priority: message.urgency,
      ttl: message.ttlMs,
      ...(message.collapseKey !== undefined && { collapseKey: message.collapseKey }),
      notification: {
        tag: message.replaceTag,
        ...(message.imageUrl !== undefined && { imageUrl: message.imageUrl }),
      },
    },
  };
}

/** The part of the message FCM counts against its 4 KB limit. */
export function fcmPayloadBytes(message: Message): number {
  return Buffer.byteLength(JSON.stringify({ notification: message.notification, data: message.data }), 'utf8');
}

export class FcmProvider implements PushProvider {
  readonly name = 'fcm';
  private readonly app: App;

  constructor(config: FcmConfig) {
    const options: AppOptions =
      config.serviceAccount.kind === 'json'
        ? { credential: cert(config.serviceAccount.json) }
        : 'httpAgent' in config && config.httpAgent !== undefined
          ? { credential: cert(config.serviceAccount.path, config.httpAgent), httpAgent: config.httpAgent }
          : { credential: cert(config.serviceAccount.path) };
    this.app = initializeApp(options, `tact-fcm-${randomUUID()}`);
  }

  async send(endpoint: PushEndpoint, message: PushMessage): Promise<ProviderResult> {
    const fcmMessage = buildFcmMessage(endpoint, message);
    const payloadBytes = fcmPayloadBytes(fcmMessage);
    if (payloadBytes > FCM_PAYLOAD_LIMIT_BYTES) {
      return { kind: 'malformed', code: 'payload-size-limit-exceeded (checked before sending)', payloadBytes };
    }
    try {
      const messageName = await getMessaging(this.app).send(fcmMessage);
      return { kind: 'ok', providerMessageId: messageName };
    } catch (error) {
      return classifyFcmError(error, payloadBytes);
    }
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
  }
}
