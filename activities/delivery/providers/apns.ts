// iOS push through APNs (HTTP/2, token-based auth) with @parse/node-apn.
import { Notification, Provider } from '@parse/node-apn';
import type { PushEndpoint, PushMessage, PushProvider, ProviderResult } from '../types';
import { clientReference } from '../client-reference';

export const APNS_PAYLOAD_LIMIT_BYTES = 4096;

export interface ApnsConfig {
  /** The .p8 signing key (PEM text). */
  signingKey: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id. */
  topic: string;
  production: boolean;
  /** Overrides the Apple host (tests, or a relay). */
  address?: string;
  port?: number;
  /** Extra trusted CAs in PEM (tests, or a TLS-intercepting relay). */
  ca?: string[];
  requestTimeoutMs?: number;
}

/** Reasons APNs documents for a token that will never work again. */
const DEAD_TOKEN_REASONS = new Set(['BadDeviceToken', 'Unregistered', 'ExpiredToken']);
/** Reasons caused by the request itself: retrying the same payload cannot succeed. */
const MALFORMED_REASONS = new Set([
  'PayloadTooLarge',
  'PayloadEmpty',
  'BadCollapseId',
  'BadExpirationDate',
  'BadMessageId',
  'BadPriority',
  'DuplicateHeaders',
  'InvalidPushType',
  'MissingTopic',
  'BadPath',
  'MethodNotAllowed',
]);

interface ApnsFailure {
  status?: number | string;
  response?: { reason?: string };
  error?: unknown;
}

export function classifyApnsFailure(failure: ApnsFailure, payloadBytes: number): ProviderResult {
  const status = typeof failure.status === 'number' ? failure.status : undefined;
  const reason = failure.response?.reason;
  if (status === undefined) return { kind: 'retryable', code: 'network' };
  const code = reason ? `${status} ${reason}` : String(status);
  if (status === 410 || (reason !== undefined && DEAD_TOKEN_REASONS.has(reason))) {
    return { kind: 'permanent', code, endpointInvalid: true };
  }
  if (status === 429 || status >= 500) return { kind: 'retryable', code };
  // node-apn regenerates the provider JWT on this answer; the next attempt uses the fresh one.
  if (status === 403 && reason === 'ExpiredProviderToken') return { kind: 'retryable', code };
  if (status === 413 || (reason !== undefined && MALFORMED_REASONS.has(reason))) {
    return { kind: 'malformed', code, payloadBytes };
  }
  // 403 credentials, BadTopic, TopicDisallowed, DeviceTokenNotForTopic: our configuration, not the device.
  return { kind: 'permanent', code, endpointInvalid: false };
}

export class ApnsProvider implements PushProvider {
  readonly name = 'apns';
  private readonly provider: Provider;

  constructor(private readonly config: ApnsConfig) {
    this.provider = new Provider({
      token: { key: config.signingKey, keyId: config.keyId, teamId: config.teamId },
      production: config.production,
      ...(config.address !== undefined && { address: config.address }),
      ...(config.port !== undefined && { port: config.port }),
      ...(config.ca !== undefined && { ca: config.ca }),
      requestTimeout: config.requestTimeoutMs ?? 10_000,
      // Temporal's retry policy owns retries (with backoff); node-apn must answer after one attempt.
      connectionRetryLimit: 0,
    });
  }

  buildNotification(endpoint: PushEndpoint, message: PushMessage): Notification {
    const note = new Notification();
    note.id = clientReference(message, endpoint);
    note.topic = this.config.topic;
    note.pushType = 'alert';
    note.priority = message.urgency === 'high' ? 10 : 5;
    note.expiry = Math.floor(message.expiresAt / 1000);
    note.collapseId = message.replaceTag;
    note.threadId = message.threadId;
    note.alert = { title: message.content.title, body: message.content.body };
    note.sound = 'default';
    if (message.imageUrl !== undefined) note.mutableContent = true;
    note.payload = { ...message.content.data };
    return note;
  }

  async send(endpoint: PushEndpoint, message: PushMessage): Promise<ProviderResult> {
    const note = this.buildNotification(endpoint, message);
    const payloadBytes = Buffer.byteLength(JSON.stringify(note), 'utf8');
    if (payloadBytes > APNS_PAYLOAD_LIMIT_BYTES) {
      return { kind: 'malformed', code: 'PayloadTooLarge (checked before sending)', payloadBytes };
    }
    const { sent, failed } = await this.provider.send(note, endpoint.token);
    if (sent.length === 1) return { kind: 'ok', providerMessageId: note.id };
    const failure = failed[0];
    if (failure === undefined) return { kind: 'retryable', code: 'no response' };
    return classifyApnsFailure(failure, payloadBytes);
  }

  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}
