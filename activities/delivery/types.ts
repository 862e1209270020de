// Vocabulary of the delivery activity: what providers receive and what they answer.
import type { Category, EpochMs } from '../../domain/types';
import type { Endpoint, Platform } from '../../domain/ports';
import type { RenderInput, RenderResult } from '../../localization/types';

export type { DeliverNotificationInput, DeliveryResult } from '../types';
export type { RenderInput, RenderResult } from '../../localization/types';

export type PushEndpoint = Extract<Endpoint, { channel: 'push' }>;
export type EmailEndpoint = Extract<Endpoint, { channel: 'email' }>;
export type SmsEndpoint = Extract<Endpoint, { channel: 'sms' }>;

/** What every provider answers for one endpoint. Classified by provider error code, never by message text. */
export type ProviderResult =
  | { kind: 'ok'; providerMessageId: string }
  /**
   * The endpoint will never accept this message. `endpointInvalid`: the endpoint itself is dead (push token
   * uninstalled, mailbox gone, number unsubscribed or invalid) and is switched off; otherwise it is our configuration.
   */
  | { kind: 'permanent'; code: string; endpointInvalid: boolean }
  /** Throttling, 5xx, network: the same request may succeed later. */
  | { kind: 'retryable'; code: string }
  /** The provider rejected the payload itself; retrying the same payload cannot succeed. */
  | { kind: 'malformed'; code: string; payloadBytes: number };

/** The visible text and routing data of a push, independent of the provider's wire format. */
export interface PushContent {
  title: string;
  body: string;
  /** String-only custom data; always carries `nid` (notification id) for receipts. */
  data: Record<string, string>;
}

/** Who and what a message is for: with the endpoint, the seed of its deterministic provider message id. */
interface MessageIdentity {
  /** Candidate ids are unique per user only. */
  userId: string;
  notificationId: string;
}

export interface PushMessage extends MessageIdentity {
  category: Category;
  content: PushContent;
  /** `high` wakes the device at once (APNs 10, Android high); `normal` may be batched (APNs 5). */
  urgency: 'high' | 'normal';
  expiresAt: EpochMs;
  /** Time to live from the moment of sending, >= 0. */
  ttlMs: number;
  /** Set for collapsible categories: a newer undelivered push of the category replaces the older one. */
  collapseKey?: string;
  /**
   * Shown notifications with the same tag replace each other (APNs collapse id, Android/web tag): the collapse
   * key when set, else derived from the notification id, so a duplicate re-send replaces rather than repeats.
   */
  replaceTag: string;
  /** Groups notifications of one category on the device. */
  threadId: string;
  /** Rich content the app's notification extension downloads (APNs mutable-content). */
  imageUrl?: string;
  locale: string;
  direction: 'ltr' | 'rtl';
}

export interface EmailMessage extends MessageIdentity {
  subject: string;
  text: string;
  html: string;
  locale: string;
  direction: 'ltr' | 'rtl';
  /** RFC 8058 one-click unsubscribe URL; set for promotional mail. */
  unsubscribeUrl?: string;
}

export interface SmsMessage extends MessageIdentity {
  text: string;
}

/** What a provider knows of an earlier attempt's request, asked by its client reference before sending again. */
export type EarlierAttempt =
  | { kind: 'found'; providerMessageId: string }
  /** No message with that reference (or no way to look one up): sending is the way on. */
  | { kind: 'absent' }
  /** The provider could not answer now: a later attempt asks again rather than risk a second message. */
  | { kind: 'unreachable'; code: string };

export interface PushProvider {
  readonly name: string;
  send(endpoint: PushEndpoint, message: PushMessage): Promise<ProviderResult>;
  close(): Promise<void>;
}

export interface EmailProvider {
  readonly name: string;
  send(endpoint: EmailEndpoint, message: EmailMessage): Promise<ProviderResult>;
  close(): Promise<void>;
}

export interface SmsProvider {
  readonly name: string;
  send(endpoint: SmsEndpoint, message: SmsMessage): Promise<ProviderResult>;
  /** Looks the message up by its client reference (asked when an earlier attempt may have sent it). */
  findEarlier?(endpoint: SmsEndpoint, message: SmsMessage): Promise<EarlierAttempt>;
  close(): Promise<void>;
}

/** Configured providers; a missing one means that channel (or platform) goes to the dry-run outbox. */
export interface Providers {
  apns?: PushProvider;
  fcm?: PushProvider;
  email?: EmailProvider;
  sms?: SmsProvider;
}

export type PushPlatformProvider = 'apns' | 'fcm';

export function pushProviderFor(platform: Platform): PushPlatformProvider {
  return platform === 'ios' ? 'apns' : 'fcm';
}

/** Contract with `localization/`: renderNotification. */
export type Render = (input: RenderInput) => RenderResult;

/** Contract with `localization/` (fitPushPayload): shortens `body` at a grapheme boundary. */
export type FitPushPayload = (payload: PushContent, limitBytes: number) => PushContent;
