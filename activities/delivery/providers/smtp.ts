// Email over SMTP with nodemailer: a plain-text and an HTML part, RFC 8058 one-click unsubscribe headers.
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { EmailEndpoint, EmailMessage, EmailProvider, ProviderResult } from '../types';
import { clientReference } from '../client-reference';

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS is required when `requireTls`. */
  secure: boolean;
  requireTls: boolean;
  auth?: { user: string; pass: string };
  /** `From` header, e.g. `"Tact" <notify@example.com>`. */
  from: string;
  /** Extra trusted CAs in PEM (private relays, tests). */
  ca?: string[];
}

interface SmtpLikeError {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/** RFC 3463 enhanced status codes for content problems: too big (5.3.4) and media errors (5.6.x). */
const MALFORMED_ENHANCED_STATUS = /^5\.(3\.4|6\.\d{1,3})$/;
/**
 * RFC 3463 statuses that say the address itself is dead (a hard bounce): bad mailbox (5.1.1), bad destination
 * system (5.1.2), bad address syntax (5.1.3), mailbox moved (5.1.6), domain accepts no mail (5.1.10, RFC 7505),
 * mailbox disabled (5.2.1). A bare 550 without one is not enough: servers also use it for policy and spam blocks.
 */
const DEAD_ADDRESS_ENHANCED_STATUS = new Set(['5.1.1', '5.1.2', '5.1.3', '5.1.6', '5.1.10', '5.2.1']);

export function classifySmtpError(error: unknown, messageBytes: number): ProviderResult {
  const err = (error ?? {}) as SmtpLikeError;
  const responseCode = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  const code = typeof err.code === 'string' ? err.code : 'unknown';
  if (responseCode === undefined) {
    // No SMTP answer: nodemailer could not build the message, could not log in, or lost the connection.
    if (code === 'EMESSAGE') return { kind: 'malformed', code, payloadBytes: messageBytes };
    if (code === 'EAUTH' || code === 'ENOAUTH') return { kind: 'permanent', code, endpointInvalid: false };
    return { kind: 'retryable', code };
  }
  const enhanced =
    typeof err.response === 'string' ? /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/.exec(err.response)?.[1] : undefined;
  const label = enhanced ? `${responseCode} ${enhanced}` : String(responseCode);
  if (responseCode >= 400 && responseCode < 500) return { kind: 'retryable', code: label };
  if (enhanced !== undefined && MALFORMED_ENHANCED_STATUS.test(enhanced)) {
    return { kind: 'malformed', code: label, payloadBytes: messageBytes };
  }
  const deadAddress = responseCode >= 500 && enhanced !== undefined && DEAD_ADDRESS_ENHANCED_STATUS.has(enhanced);
  return { kind: 'permanent', code: label, endpointInvalid: deadAddress };
}

function domainOf(from: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'tact.invalid';
}

export class SmtpEmailProvider implements EmailProvider {
  readonly name = 'smtp';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly config: SmtpConfig) {
    const options: SMTPTransport.Options = {
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.requireTls,
      ...(config.auth !== undefined && { auth: config.auth }),
      ...(config.ca !== undefined && { tls: { ca: config.ca } }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    };
    this.transport = nodemailer.createTransport(options);
  }

  async send(endpoint: EmailEndpoint, message: EmailMessage): Promise<ProviderResult> {
    const headers: Record<string, string> = {
      'Content-Language': message.locale,
      'X-Tact-Notification-Id': message.notificationId,
    };
    if (message.unsubscribeUrl !== undefined) {
      headers['List-Unsubscribe'] = `<${message.unsubscribeUrl}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    // Same Message-ID on a re-send after a crash: receiving systems that dedupe by Message-ID drop the copy.
    const id = clientReference(message, endpoint);
    const messageId = `<${id}@${domainOf(this.config.from)}>`;
    const messageBytes = Buffer.byteLength(message.text, 'utf8') + Buffer.byteLength(message.html, 'utf8');
    try {
      await this.transport.sendMail({
        from: this.config.from,
        to: endpoint.address,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId,
        headers,
      });
      return { kind: 'ok', providerMessageId: messageId };
    } catch (error) {
      return classifySmtpError(error, messageBytes);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
