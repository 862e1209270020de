// Turns a rendered notification into each channel's message.
import { createHash } from 'node:crypto';
import type { Candidate, CategoryPolicy, EpochMs } from '../../domain/types';
import { isUrgent } from '../../domain/config';
import type { EmailMessage, FitPushPayload, PushMessage, RenderResult, SmsMessage } from './types';
import { signUnsubscribeToken, unsubscribeUrl } from '../../tokens/unsubscribe';

export type Rendered = Extract<RenderResult, { kind: 'ok' }>;

/** Room left for each provider's envelope (aps/android/webpush keys) inside the 4 KB payload limit. */
export const PUSH_CONTENT_LIMIT_BYTES = 4096 - 384;
const APNS_COLLAPSE_ID_MAX_BYTES = 64;

export interface UnsubscribeConfig {
  /** Public base URL of the Tact API, e.g. https://tact.example.com */
  publicBaseUrl: string;
  /** HMAC secret, at least 32 bytes. */
  secret: string;
}

function replaceTagFor(notificationId: string, collapseKey: string | undefined): string {
  if (collapseKey !== undefined) return collapseKey;
  if (Buffer.byteLength(notificationId, 'utf8') <= APNS_COLLAPSE_ID_MAX_BYTES) return notificationId;
  return createHash('sha256').update(notificationId, 'utf8').digest('hex');
}

/** Rich media is only shown when the text itself may be shown (never on sensitive or private notifications). */
function imageUrlOf(candidate: Candidate, lockScreenSafe: boolean): string | undefined {
  const url = candidate.variables.imageUrl;
  return !lockScreenSafe && typeof url === 'string' && url.startsWith('https://') ? url : undefined;
}

export function buildPushMessage(args: {
  candidate: Candidate;
  userId: string;
  rendered: Rendered;
  policy: CategoryPolicy;
  lockScreenSafe: boolean;
  /** The candidate's deep link if it passed validation. */
  deepLink: string | undefined;
  now: EpochMs;
  fit: FitPushPayload;
}): PushMessage {
  const { candidate, userId, rendered, policy, lockScreenSafe, deepLink, now, fit } = args;
  const data: Record<string, string> = { nid: candidate.id, category: candidate.category };
  if (deepLink !== undefined) data.link = deepLink;
  const content = fit({ title: rendered.title, body: rendered.body, data }, PUSH_CONTENT_LIMIT_BYTES);
  const collapseKey = policy.collapsible ? candidate.category : undefined;
  const imageUrl = imageUrlOf(candidate, lockScreenSafe);
  return {
    userId,
    notificationId: candidate.id,
    category: candidate.category,
    content,
    urgency: isUrgent(policy.priorityClass) ? 'high' : 'normal',
    expiresAt: candidate.expiresAt,
    ttlMs: Math.max(0, candidate.expiresAt - now),
    ...(collapseKey !== undefined && { collapseKey }),
    replaceTag: replaceTagFor(candidate.id, collapseKey),
    threadId: candidate.category,
    ...(imageUrl !== undefined && { imageUrl }),
    locale: rendered.locale,
    direction: rendered.direction,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function htmlDocument(rendered: Rendered, bodyHtml: string, footerHtml: string): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(rendered.locale)}" dir="${rendered.direction}">`,
    '<head><meta charset="utf-8"></head>',
    `<body>${bodyHtml}${footerHtml}</body>`,
    '</html>',
  ].join('\n');
}

export function buildEmailMessage(args: {
  candidate: Candidate;
  userId: string;
  rendered: Rendered;
  policy: CategoryPolicy;
  unsubscribe: UnsubscribeConfig;
  /** The candidate's deep link if it passed validation: the mail's call to action (a password reset link). */
  actionLink: string | undefined;
  now: EpochMs;
}): EmailMessage {
  const { candidate, userId, rendered, policy, unsubscribe, actionLink, now } = args;
  const link =
    policy.priorityClass === 'promotional'
      ? unsubscribeUrl(
          unsubscribe.publicBaseUrl,
          signUnsubscribeToken({ userId, category: candidate.category, issuedAt: now }, unsubscribe.secret),
        )
      : undefined;
  const bodyHtml =
    rendered.html ??
    rendered.body
      .split(/\n{2,}/)
      .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
      .join('');
  const actionHtml =
    actionLink === undefined ? '' : `<p><a href="${escapeHtml(actionLink)}">${escapeHtml(actionLink)}</a></p>`;
  const footerHtml = link === undefined ? '' : `<p><a href="${escapeHtml(link)}">Unsubscribe</a></p>`;
  const withAction = actionLink === undefined ? rendered.body : `${rendered.body}\n\n${actionLink}`;
  const text = link === undefined ? withAction : `${withAction}\n\n--\nUnsubscribe: ${link}`;
  return {
    userId,
    notificationId: candidate.id,
    subject: rendered.subject ?? rendered.title,
    text,
    html: htmlDocument(rendered, bodyHtml + actionHtml, footerHtml),
    locale: rendered.locale,
    direction: rendered.direction,
    ...(link !== undefined && { unsubscribeUrl: link }),
  };
}

/** The text, then the deep link when it is an https URL (phones make those tappable; app schemes are not). */
export function buildSmsMessage(
  candidate: Candidate,
  userId: string,
  rendered: Rendered,
  actionLink: string | undefined,
): SmsMessage {
  const lines = [rendered.title, rendered.body].filter((line) => line !== '');
  if (actionLink?.startsWith('https://') === true) lines.push(actionLink);
  return { userId, notificationId: candidate.id, text: lines.join('\n') };
}
