// SMS through an HTTP provider with the Twilio REST shape:
// POST {baseUrl}/2010-04-01/Accounts/{accountSid}/Messages.json, form-encoded, HTTP basic auth.
import type { ProviderResult, SmsEndpoint, SmsMessage, SmsProvider } from '../types';

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

  async send(endpoint: SmsEndpoint, message: SmsMessage): Promise<ProviderResult> {
    const { baseUrl, accountSid, authToken, sender } = this.config;
    const url = `${baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    const form = new URLSearchParams({ To: endpoint.phone, Body: message.text });
    if (sender.kind === 'from') form.set('From', sender.number);
    else form.set('MessagingServiceSid', sender.sid);
    const payloadBytes = Buffer.byteLength(message.text, 'utf8');
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
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

  async close(): Promise<void> {}
}
