// Triggered candidates (docs/product.md §1): configurable rules map an event type to candidates.
import { DEFAULT_POLICY, categoryPolicy } from './config';
import type { PolicyConfig } from './config';
import type { Candidate, Category, EpochMs, UserEvent } from './types';

export interface TriggerRule {
  eventType: string;
  category: Category;
  /** Catalog template name: the directory `templates/<template>/`, e.g. `friend_joined`. */
  template: string;
  /** 0..1 */
  businessValue: number;
  /** Event property whose value makes the dedupeKey (e.g. the friend's id: one "friend joined" per friend). */
  dedupeKeyFrom?: string;
  /**
   * Template variable → the event property that fills it, e.g. `{ friend_name: 'friendName' }`: events keep the
   * API's camelCase, templates their snake_case. A property the event lacks (or sends as null) is left out, so
   * the template's declared fallback applies.
   */
  variables?: Record<string, string>;
  /** Template variable that receives when the event happened (epoch ms), e.g. the time of a sign-in. */
  eventTimeAs?: string;
  /** Optional deep link template; `{name}` is replaced by the event property `name`. */
  deepLink?: string;
}

// The event properties each rule reads are documented in templates/README.md ("Default triggers"), and
// test/contracts/triggers-templates.test.ts checks them against the templates in every locale.
export const DEFAULT_TRIGGERS: TriggerRule[] = [
  {
    eventType: 'password_reset',
    category: 'security',
    template: 'password_reset',
    businessValue: 1,
    variables: { expires_minutes: 'expiresInMinutes' },
    deepLink: 'app://security/password',
  },
  {
    eventType: 'login_new_device',
    category: 'security',
    template: 'login_new_device',
    businessValue: 1,
    dedupeKeyFrom: 'deviceId',
    variables: { device: 'deviceName' },
    eventTimeAs: 'when',
    deepLink: 'app://security/devices',
  },
  {
    eventType: 'payment_failed',
    category: 'account',
    template: 'payment_failed',
    businessValue: 0.9,
    dedupeKeyFrom: 'invoiceId',
    variables: { service: 'plan', retry_days: 'retryInDays' },
    deepLink: 'app://billing/invoices/{invoiceId}',
  },
  {
    eventType: 'subscription_renewed',
    category: 'account',
    template: 'subscription_renewed',
    businessValue: 0.5,
    dedupeKeyFrom: 'invoiceId',
    variables: { service: 'plan', billing_period: 'billingPeriod' },
    deepLink: 'app://billing/invoices/{invoiceId}',
  },
  {
    eventType: 'friend_joined',
    category: 'social',
    template: 'friend_joined',
    businessValue: 0.5,
    dedupeKeyFrom: 'friendId',
    variables: { friend_name: 'friendName', friend_gender: 'friendGender', mutual_count: 'mutualCount' },
    deepLink: 'app://profile/{friendId}',
  },
  {
    eventType: 'comment_reply',
    category: 'social',
    template: 'comment_reply',
    businessValue: 0.6,
    dedupeKeyFrom: 'threadId',
    variables: { author_name: 'authorName', author_gender: 'authorGender', reply_count: 'replyCount' },
    deepLink: 'app://threads/{threadId}',
  },
  {
    eventType: 'new_content',
    category: 'content',
    template: 'new_content',
    businessValue: 0.4,
    dedupeKeyFrom: 'contentId',
    variables: { creator: 'creatorName', count: 'postCount' },
    deepLink: 'app://content/{contentId}',
  },
  {
    eventType: 'streak_at_risk',
    category: 'reminder',
    template: 'streak_at_risk',
    businessValue: 0.7,
    dedupeKeyFrom: 'streakDay',
    variables: { streak_days: 'streakLength', deadline: 'endsAt' },
    deepLink: 'app://streak',
  },
  {
    eventType: 'cart_abandoned',
    category: 'reminder',
    template: 'cart_abandoned',
    businessValue: 0.6,
    dedupeKeyFrom: 'cartId',
    variables: { item_count: 'itemCount' },
    deepLink: 'app://cart',
  },
  {
    eventType: 'promo_available',
    category: 'marketing',
    template: 'promo_available',
    businessValue: 0.3,
    dedupeKeyFrom: 'promoId',
    variables: { offer: 'offerName', discount: 'discount', ends_at: 'endsAt' },
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

function templateVariables(rule: TriggerRule, properties: UserEvent['properties']): Candidate['variables'] {
  const variables: Candidate['variables'] = {};
  for (const [variable, property] of Object.entries(rule.variables ?? {})) {
    const value = Object.hasOwn(properties, property) ? properties[property] : undefined;
    if (value !== undefined && value !== null) variables[variable] = value;
  }
  return variables;
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
    const variables = templateVariables(rule, event.properties);
    if (rule.eventTimeAs !== undefined) variables[rule.eventTimeAs] = createdAt;
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
