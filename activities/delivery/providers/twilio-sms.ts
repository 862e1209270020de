// SMS through an HTTP provider with the Twilio REST shape:
// POST {baseUrl}/2010-04-01/Accounts/{accountSid}/Messages.json, form-encoded, HTTP basic auth.
// Every attempt of a message carries the same client reference twice: as the `Idempotency-Key` header (a provider
// that honours it answers a repeat with the first message instead of texting again) and as the `ClientReference`
// field, by which `findEarlier` lists the account's messages before a send that an earlier attempt may have made.
// A provider without either ignores them: the header is unknown to it, and a lookup it cannot filter finds nothing
// carrying our reference, so the message is sent (README, "Delivery guarantees per provider").
import type { EarlierAttempt, ProviderResult, SmsEndpoint, SmsMessage, SmsProvider } from '../types';
import { clientReference } from '../client-reference';

export interface TwilioSmsConfig {
  /** e.g. https://api.twilio.com, or a compatible provider's base URL. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Sender: a phone number (`From`) or a messaging service (`MessagingServiceSid`). */
  sender: { kind: 'from'; number: string } | { kind: 'messaging_service'; sid: string };
  requestTimeoutMs?: number;
}

/** Twilio error codes for the message itself (empty, too long, unsupported content). */
const MALFORMED_CODES = new Set([21602, 21617, 21619]);
/**
 * Twilio error codes for a number that will not take texts from us: not a valid phone number (21211), the recipient
 * replied STOP (21610), not a mobile number (21614). Texting it again cannot succeed until the user re-registers it.
 */
const DEAD_NUMBER_CODES = new Set([21211, 21610, 21614]);

export function classifyTwilioResponse(status: number, body: unknown, payloadBytes: number): ProviderResult {
  const twilioCode = (body as { code?: unknown } | null)?.code;
  const code = typeof twilioCode === 'number' ? `${status} ${twilioCode}` : String(status);
  if (status === 429 || status >= 500) return { kind: 'retryable', code };
  if (typeof twilioCode === 'number' && MALFORMED_CODES.has(twilioCode)) {
    return { kind: 'malformed', code, payloadBytes };
  }
  const deadNumber = typeof twilioCode === 'number' && DEAD_NUMBER_CODES.has(twilioCode);
  // Otherwise auth (20003), region or sender blocked: our configuration, not the number.
  return { kind: 'permanent', code, endpointInvalid: deadNumber };
}

export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio-sms';

  constructor(private readonly config: TwilioSmsConfig) {}

  private get messagesUrl(): string {
    const { baseUrl, accountSid } = this.config;
    return `${baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  }

  private get authorization(): string {
    const { accountSid, authToken } = this.config;
    return `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  }

  async send(endpoint: SmsEndpoint, message: SmsMessage): Promise<ProviderResult> {
    const { sender } = this.config;
    const reference = clientReference(message, endpoint);
    const form = new URLSearchParams({ To: endpoint.phone, Body: message.text, ClientReference: reference });
    if (sender.kind === 'from') form.set('From', sender.number);
    else form.set('MessagingServiceSid', sender.sid);
    const payloadBytes = Buffer.byteLength(message.text, 'utf8');
    let response: Response;
    try {
      response = await fetch(this.messagesUrl, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'idempotency-key': reference,
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.config.requestTimeoutMs ?? 10_000),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown';
      return { kind: 'retryable', code: `network ${name}` };
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.ok) {
      const sid = (body as { sid?: unknown } | null)?.sid;
      // Accepted even without a sid: retrying would text the user twice.
      return { kind: 'ok', providerMessageId: typeof sid === 'string' ? sid : `http-${response.status}-without-sid` };
    }
    return classifyTwilioResponse(response.status, body, payloadBytes);
  }

  async findEarlier(endpoint: SmsEndpoint, message: SmsMessage): Promise<EarlierAttempt> {
    const reference = clientReference(message, endpoint);
    const url = `${this.messagesUrl}?${new URLSearchParams({ ClientReference: reference, To: endpoint.phone }).toString()}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: this.authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(this.config.requestTimeoutMs ?? 10_000),
      });
    } catch (error) {
      return { kind: 'unreachable', code: `network ${error instanceof Error ? error.name : 'unknown'}` };
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 429 || response.status >= 500)
      return { kind: 'unreachable', code: String(response.status) };
    if (!response.ok) return { kind: 'absent' };
    // Only a message that carries our reference counts: a provider that ignores the filter lists other messages.
    const messages = (body as { messages?: unknown } | null)?.messages;
    const earlier = Array.isArray(messages)
      ? (messages as { sid?: unknown; client_reference?: unknown }[]).find(
          (m) => m?.client_reference === reference && typeof m.sid === 'string',
        )
      : undefined;
    return earlier === undefined ? { kind: 'absent' } : { kind: 'found', providerMessageId: earlier.sid as string };
  }

  async close(): Promise<void> {}
}
