// Triggered candidates (docs/product.md §1): the catalog's rules map an event type (and, optionally, conditions on the
// event's properties and the user's attributes) to candidates. Pure: the API runs it to answer which rules matched
// and which candidate ids an event produced, and the workflow runs it for events signalled without candidates.
import { DEFAULT_POLICY, categoryPolicy } from './config';
import type { PolicyConfig } from './config';
import type { Candidate, Category, EpochMs, Probability, UserEvent } from './types';
import { clampProbability, probability, addMs, minOf } from './units';

/** A JSON scalar an event property or a user attribute is compared with. */
export type Scalar = string | number | boolean | null;

/**
 * A test on one event property or user attribute; every operator given must hold. Ordering operators (`gt`, `gte`,
 * `lt`, `lte`) hold only for two numbers or two strings; a missing value fails every test except `exists: false`.
 */
export interface Comparison {
  eq?: Scalar;
  ne?: Scalar;
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
  in?: Scalar[];
  exists?: boolean;
}

/** Conditions a rule needs, all of them: on the event's properties and on the user's stored attributes. */
export interface TriggerConditions {
  event?: Record<string, Comparison>;
  user?: Record<string, Comparison>;
}

export type UserAttributes = Record<string, unknown>;

export interface TriggerRule {
  /** Unique in the catalog; what `POST /v1/events` answers as a matched rule. Defaults name the event type. */
  id?: string;
  eventType: string;
  conditions?: TriggerConditions;
  category: Category;
  /** Catalog template name: the directory `templates/<template>/`, e.g. `friend_joined`. */
  template: string;
  businessValue: Probability;
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
// These are also catalog/default.json's rules (test/catalog/default-catalog.test.ts keeps the two equal): workflows
// started before catalogs existed, and events signalled without candidates, still use them.
export const DEFAULT_TRIGGERS: TriggerRule[] = [
  {
    id: 'password_reset',
    eventType: 'password_reset',
    category: 'security',
    template: 'password_reset',
    businessValue: probability(1),
    variables: { expires_minutes: 'expiresInMinutes' },
    deepLink: 'app://security/password',
  },
  {
    id: 'login_new_device',
    eventType: 'login_new_device',
    category: 'security',
    template: 'login_new_device',
    businessValue: probability(1),
    dedupeKeyFrom: 'deviceId',
    variables: { device: 'deviceName' },
    eventTimeAs: 'when',
    deepLink: 'app://security/devices',
  },
  {
    id: 'payment_failed',
    eventType: 'payment_failed',
    category: 'account',
    template: 'payment_failed',
    businessValue: probability(0.9),
    dedupeKeyFrom: 'invoiceId',
    variables: { service: 'plan', retry_days: 'retryInDays' },
    deepLink: 'app://billing/invoices/{invoiceId}',
  },
  {
    id: 'subscription_renewed',
    eventType: 'subscription_renewed',
    category: 'account',
    template: 'subscription_renewed',
    businessValue: probability(0.5),
    dedupeKeyFrom: 'invoiceId',
    variables: { service: 'plan', billing_period: 'billingPeriod' },
    deepLink: 'app://billing/invoices/{invoiceId}',
  },
  {
    id: 'friend_joined',
    eventType: 'friend_joined',
    category: 'social',
    template: 'friend_joined',
    businessValue: probability(0.5),
    dedupeKeyFrom: 'friendId',
    variables: { friend_name: 'friendName', friend_gender: 'friendGender', mutual_count: 'mutualCount' },
    deepLink: 'app://profile/{friendId}',
  },
  {
    id: 'comment_reply',
    eventType: 'comment_reply',
    category: 'social',
    template: 'comment_reply',
    businessValue: probability(0.6),
    dedupeKeyFrom: 'threadId',
    variables: { author_name: 'authorName', author_gender: 'authorGender', reply_count: 'replyCount' },
    deepLink: 'app://threads/{threadId}',
  },
  {
    id: 'new_content',
    eventType: 'new_content',
    category: 'content',
    template: 'new_content',
    businessValue: probability(0.4),
    dedupeKeyFrom: 'contentId',
    variables: { creator: 'creatorName', count: 'postCount' },
    deepLink: 'app://content/{contentId}',
  },
  {
    id: 'streak_at_risk',
    eventType: 'streak_at_risk',
    category: 'reminder',
    template: 'streak_at_risk',
    businessValue: probability(0.7),
    dedupeKeyFrom: 'streakDay',
    variables: { streak_days: 'streakLength', deadline: 'endsAt' },
    deepLink: 'app://streak',
  },
  {
    id: 'cart_abandoned',
    eventType: 'cart_abandoned',
    category: 'reminder',
    template: 'cart_abandoned',
    businessValue: probability(0.6),
    dedupeKeyFrom: 'cartId',
    variables: { item_count: 'itemCount' },
    deepLink: 'app://cart',
  },
  {
    id: 'promo_available',
    eventType: 'promo_available',
    category: 'marketing',
    template: 'promo_available',
    businessValue: probability(0.3),
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

function compare(value: unknown, test: Comparison): boolean {
  const present = value !== undefined;
  if (test.exists !== undefined && test.exists !== present) return false;
  if (!present) return test.exists === false && Object.keys(test).length === 1;
  if (test.eq !== undefined && value !== test.eq) return false;
  if (test.ne !== undefined && value === test.ne) return false;
  if (test.in !== undefined && !test.in.some((option) => option === value)) return false;
  const ordered = (bound: number | string | undefined, holds: (a: number | string, b: number | string) => boolean) =>
    bound === undefined ||
    (typeof value === typeof bound && typeof value !== 'boolean' && holds(value as never, bound));
  return (
    ordered(test.gt, (a, b) => a > b) &&
    ordered(test.gte, (a, b) => a >= b) &&
    ordered(test.lt, (a, b) => a < b) &&
    ordered(test.lte, (a, b) => a <= b)
  );
}

function holds(tests: Record<string, Comparison> | undefined, values: Record<string, unknown>): boolean {
  if (tests === undefined) return true;
  return Object.entries(tests).every(([name, test]) =>
    compare(Object.hasOwn(values, name) ? values[name] : undefined, test),
  );
}

/** Whether an event of this user meets the conditions (a rule's, or a journey's enrollment rule's). */
export function conditionsHold(
  conditions: TriggerConditions | undefined,
  event: UserEvent,
  attributes: UserAttributes = {},
): boolean {
  return holds(conditions?.event, event.properties) && holds(conditions?.user, attributes);
}

/** Whether the rule applies to this event of this user. */
export function ruleMatches(rule: TriggerRule, event: UserEvent, attributes: UserAttributes = {}): boolean {
  return (
    rule.eventType === event.type &&
    holds(rule.conditions?.event, event.properties) &&
    holds(rule.conditions?.user, attributes)
  );
}

/** The rule's name in answers and logs: its id, else its event type. */
export function ruleId(rule: TriggerRule): string {
  return rule.id ?? rule.eventType;
}

/** Whether some rule's conditions read user attributes (then the API reads them before matching). */
export function rulesReadUserAttributes(rules: readonly TriggerRule[], eventType: string): boolean {
  return rules.some((rule) => rule.eventType === eventType && Object.keys(rule.conditions?.user ?? {}).length > 0);
}

/**
 * The event properties the rules for this event type read: conditions, variables, the dedupe key, the deep link.
 * Only these travel to the workflow (the full event stays in PostgreSQL).
 */
export function propertiesUsedBy(rules: readonly TriggerRule[], eventType: string): Set<string> {
  const used = new Set<string>();
  for (const rule of rules) {
    if (rule.eventType !== eventType) continue;
    for (const name of Object.keys(rule.conditions?.event ?? {})) used.add(name);
    for (const name of Object.values(rule.variables ?? {})) used.add(name);
    if (rule.dedupeKeyFrom !== undefined) used.add(rule.dedupeKeyFrom);
    for (const [, name] of (rule.deepLink ?? '').matchAll(/\{([A-Za-z0-9_]+)\}/g)) if (name) used.add(name);
  }
  return used;
}

/** The event with only the properties some rule reads. */
export function screenEvent(event: UserEvent, rules: readonly TriggerRule[]): UserEvent {
  const used = propertiesUsedBy(rules, event.type);
  const properties: UserEvent['properties'] = {};
  for (const [name, value] of Object.entries(event.properties)) if (used.has(name)) properties[name] = value;
  return { ...event, properties };
}

export interface EventMatch {
  /** Ids of the rules that matched, in catalog order. */
  rules: string[];
  candidates: Candidate[];
}

/**
 * The candidates an event triggers, one per matching rule. Ids derive from the event id and the rule's position in
 * the catalog, so a replayed event yields the same ids (and is dropped as a duplicate). The TTL runs from when the
 * event happened (never later than `now`: a client clock ahead of ours does not extend it).
 */
export function matchEvent(
  event: UserEvent,
  rules: readonly TriggerRule[],
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
  attributes: UserAttributes = {},
): EventMatch {
  const createdAt = minOf(event.occurredAt, now);
  const match: EventMatch = { rules: [], candidates: [] };
  rules.forEach((rule, ruleIndex) => {
    if (!ruleMatches(rule, event, attributes)) return;
    const variables = templateVariables(rule, event.properties);
    if (rule.eventTimeAs !== undefined) variables[rule.eventTimeAs] = createdAt;
    const dedupeValue = rule.dedupeKeyFrom === undefined ? undefined : event.properties[rule.dedupeKeyFrom];
    const deepLink = rule.deepLink === undefined ? undefined : fillLink(rule.deepLink, event.properties);
    match.rules.push(ruleId(rule));
    match.candidates.push({
      id: `${event.id}:${ruleIndex}`,
      userId: event.userId,
      category: rule.category,
      template: rule.template,
      variables,
      ...(deepLink === undefined ? {} : { deepLink }),
      createdAt,
      expiresAt: addMs(createdAt, categoryPolicy(config, rule.category).ttlMs),
      ...(dedupeValue === undefined || dedupeValue === null
        ? {}
        : { dedupeKey: `${rule.template}:${String(dedupeValue)}` }),
      businessValue: clampProbability(rule.businessValue),
      source: 'event',
      sourceId: event.id,
    });
  });
  return match;
}

/** matchEvent's candidates alone. */
export function candidatesFromEvent(
  event: UserEvent,
  rules: readonly TriggerRule[],
  now: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
  attributes: UserAttributes = {},
): Candidate[] {
  return matchEvent(event, rules, now, config, attributes).candidates;
}
