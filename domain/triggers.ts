// Triggered candidates (PRODUCT.md §1): configurable rules map an event type to candidates.
import { DEFAULT_POLICY, categoryPolicy } from './config';
import type { PolicyConfig } from './config';
import type { Candidate, Category, EpochMs, UserEvent } from './types';

export interface TriggerRule {
  eventType: string;
  category: Category;
  template: string;
  /** 0..1 */
  businessValue: number;
  /** Event property whose value makes the dedupeKey (e.g. the friend's id: one "friend joined" per friend). */
  dedupeKeyFrom?: string;
  /** Event properties copied into the template variables. */
  variablesFrom?: string[];
  /** Optional deep link template; `{name}` is replaced by the event property `name`. */
  deepLink?: string;
}

export const DEFAULT_TRIGGERS: TriggerRule[] = [
  {
    eventType: 'password_reset',
    category: 'security',
    template: 'security.password_reset',
    businessValue: 1,
    variablesFrom: ['requestedFrom'],
    deepLink: 'app://security/password',
  },
  {
    eventType: 'login_new_device',
    category: 'security',
    template: 'security.login_new_device',
    businessValue: 1,
    dedupeKeyFrom: 'deviceId',
    variablesFrom: ['deviceName', 'location'],
    deepLink: 'app://security/devices',
  },
  {
    eventType: 'payment_failed',
    category: 'account',
    template: 'account.payment_failed',
    businessValue: 0.9,
    dedupeKeyFrom: 'invoiceId',
    variablesFrom: ['amount', 'currency'],
    deepLink: 'app://billing/invoices/{invoiceId}',
  },
  {
    eventType: 'subscription_renewed',
    category: 'account',
    template: 'account.subscription_renewed',
    businessValue: 0.5,
    dedupeKeyFrom: 'invoiceId',
    variablesFrom: ['plan', 'amount', 'currency'],
  },
  {
    eventType: 'friend_joined',
    category: 'social',
    template: 'social.friend_joined',
    businessValue: 0.5,
    dedupeKeyFrom: 'friendId',
    variablesFrom: ['friendName'],
    deepLink: 'app://profile/{friendId}',
  },
  {
    eventType: 'comment_reply',
    category: 'social',
    template: 'social.comment_reply',
    businessValue: 0.6,
    dedupeKeyFrom: 'threadId',
    variablesFrom: ['authorName', 'replyCount'],
    deepLink: 'app://threads/{threadId}',
  },
  {
    eventType: 'new_content',
    category: 'content',
    template: 'content.new_content',
    businessValue: 0.4,
    dedupeKeyFrom: 'contentId',
    variablesFrom: ['title', 'creatorName'],
    deepLink: 'app://content/{contentId}',
  },
  {
    eventType: 'streak_at_risk',
    category: 'reminder',
    template: 'reminder.streak_at_risk',
    businessValue: 0.7,
    dedupeKeyFrom: 'streakDay',
    variablesFrom: ['streakLength'],
    deepLink: 'app://streak',
  },
  {
    eventType: 'cart_abandoned',
    category: 'reminder',
    template: 'reminder.cart_abandoned',
    businessValue: 0.6,
    dedupeKeyFrom: 'cartId',
    variablesFrom: ['itemCount'],
    deepLink: 'app://cart',
  },
  {
    eventType: 'promo_available',
    category: 'marketing',
    template: 'marketing.promo_available',
    businessValue: 0.3,
    dedupeKeyFrom: 'promoId',
    variablesFrom: ['discountPercent'],
    deepLink: 'app://promos/{promoId}',
  },
];

function fillLink(template: string, properties: UserEvent['properties']): string | undefined {
  let missing = false;
  const link = template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = properties[name];
    if (value === undefined || value === null) missing = true;
    return encodeURIComponent(String(value));
  });
  return missing ? undefined : link;
}

/**
 * The candidates an event triggers, one per matching rule. Ids derive from the event id and rule index, so a
 * replayed event yields the same ids (and is dropped as a duplicate). The TTL runs from when the event
 * happened (never later than `now`: a client clock ahead of ours does not extend it).
 */
export function candidatesFromEvent(
  event: UserEvent,
  rules: TriggerRule[],
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
): Candidate[] {
  const createdAt = Math.min(event.occurredAt, now);
  const candidates: Candidate[] = [];
  rules.forEach((rule, ruleIndex) => {
    if (rule.eventType !== event.type) return;
    const variables: Candidate['variables'] = {};
    for (const name of rule.variablesFrom ?? []) {
      const value = event.properties[name];
      if (value !== undefined) variables[name] = value;
    }
    const dedupeValue = rule.dedupeKeyFrom === undefined ? undefined : event.properties[rule.dedupeKeyFrom];
    const deepLink = rule.deepLink === undefined ? undefined : fillLink(rule.deepLink, event.properties);
    candidates.push({
      id: `${event.id}:${ruleIndex}`,
      userId: event.userId,
      category: rule.category,
      template: rule.template,
      variables,
      ...(deepLink === undefined ? {} : { deepLink }),
      createdAt,
      expiresAt: createdAt + categoryPolicy(config, rule.category).ttlMs,
      ...(dedupeValue === undefined || dedupeValue === null
        ? {}
        : { dedupeKey: `${rule.template}:${String(dedupeValue)}` }),
      businessValue: Math.min(1, Math.max(0, rule.businessValue)),
      source: 'event',
    });
  });
  return candidates;
}
