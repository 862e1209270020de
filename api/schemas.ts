// The API's zod schemas: the single source for request validation and the OpenAPI document.
import { z } from 'zod';
import { DECISION_FILTERS } from '../db/decisions';
import { MAX_OUTBOX_PAGE } from '../db/outbox';
import { currentTimeZoneName } from '../domain/time-zone-names';
import { CANDIDATE_SOURCES, CHANNELS, NOTIFICATION_EVENT_TYPES, SUPPRESSION_REASONS } from '../domain/types';
import { minuteOfDay, durationMs, epochMs } from '../domain/units';
import { CLIENT_TIME_RULE } from './client-time';
import { assertOpaqueUserId, looksLikeContact } from './user-client';
import { present } from '../domain/present';

export const MAX_BATCH_EVENTS = 500;

/** Experiment and variant names, as candidates carry them and the decision log filters by them. */
export const experimentId = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be an experiment id');
export const variantName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a variant');
/** A conversion's value: an amount in an ISO 4217 currency. */
export const conversionValue = z.strictObject({
  amount: z.number().min(0, 'must be ≥ 0').max(1e12, 'must be ≤ 10¹²'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
});
export const MAX_PAGE_SIZE = 500;
const MAX_PROPERTIES = 64;
const MAX_TEXT = 1_000;
const MAX_ATTRIBUTES_BYTES = 16 * 1024;
const MAX_ATTRIBUTES_DEPTH = 5;
// Inclusive bounds for client timestamps: catches seconds-vs-milliseconds and garbage years.
const EARLIEST_TIMESTAMP = Date.UTC(2000, 0, 1);
const LATEST_TIMESTAMP = Date.UTC(2100, 0, 1);

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Text that PostgreSQL and JSON can store as is: well-formed UTF-16 (no lone surrogates), no NUL. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isStorableText(value: string): boolean {
  return !LONE_SURROGATE.test(value) && !value.includes('\u0000');
}

export function text(max: number) {
  return z
    .string()
    .max(max, `at most ${max} characters`)
    .refine(isStorableText, 'must be valid Unicode text without NUL characters');
}

const OPAQUE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export const userId = z
  .string()
  .regex(OPAQUE_ID, { error: 'user id must be 1–128 characters of A–Z a–z 0–9 _ . : -', abort: true })
  .refine(
    (value) => {
      try {
        assertOpaqueUserId(value);
        return true;
      } catch {
        return false;
      }
    },
    // User ids become Temporal workflow ids, which are not secret.
    'user id looks like a phone number: use an opaque id (it becomes a workflow id, which must carry no PII)',
  )
  .describe('Opaque user id chosen by your service (never an email address or phone number).');

export const eventId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, { error: 'event id must be 1–128 characters of A–Z a–z 0–9 _ . : -', abort: true })
  .refine(
    (value) => !looksLikeContact(value),
    'event id looks like a phone number: use an opaque id (it travels into the workflow’s history)',
  )
  .describe('Client-supplied, unique per user: a repeated id is accepted once and not applied twice.');

export const notificationId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'notification id must be 1–200 characters of A–Z a–z 0–9 _ . : -')
  .describe('The id of the notification (the sent candidate), as carried in the push data / email headers.');

export const deviceToken = z
  .string()
  .regex(/^[A-Za-z0-9_:.-]{16,1024}$/, 'device token must be 16–1024 characters of A–Z a–z 0–9 _ : . -')
  .describe('APNs device token (hex) or FCM registration token.');

const eventType = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'event type must be 1–64 characters: a letter, then A–Z a–z 0–9 _ . : -')
  .describe('Event type; trigger rules map types to candidates (e.g. friend_joined, password_reset).');

/** An RFC 3339 time with offset, converted to epoch milliseconds. */
export const timestamp = z.iso
  .datetime({ offset: true, message: 'must be an RFC 3339 date-time with offset, e.g. 2025-06-01T08:30:00Z' })
  .transform((value) => Date.parse(value))
  .refine((ms) => ms >= EARLIEST_TIMESTAMP && ms <= LATEST_TIMESTAMP, 'must be between the years 2000 and 2100')
  .transform(epochMs);

/** IANA time zones: any name or alias the runtime knows, stored by its current IANA name (domain/time-zone-names.ts). */
export const timeZone = z
  .string()
  .max(64)
  .refine(
    (value) => /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(value) && currentTimeZoneName(value) !== undefined,
    'unknown time zone: use an IANA name such as Europe/Paris (the accepted list is at GET /v1/reference/time-zones)',
  )
  .transform((value) => present(currentTimeZoneName(value), 'the refined time zone'))
  .describe(
    'IANA time zone name, e.g. Europe/Paris; an older alias (Asia/Calcutta) is accepted and stored as the current name (Asia/Kolkata). List: GET /v1/reference/time-zones.',
  );

export function canonicalLocale(tag: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    if (canonical === undefined) return null;
    return Intl.DateTimeFormat.supportedLocalesOf([canonical]).length === 1 ? canonical : null;
  } catch {
    return null;
  }
}

export const locale = z
  .string()
  .max(35)
  .refine(
    (value) => canonicalLocale(value) !== null,
    'unknown locale: use a BCP 47 tag such as en, pt-BR or ja (see GET /v1/reference/locales)',
  )
  .transform((value) => present(canonicalLocale(value), 'the refined locale'))
  .describe('BCP 47 locale, e.g. pt-BR. Templates fall back pt-BR → pt → en. See GET /v1/reference/locales.');

const propertyKey = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'property names are 1–64 characters of A–Z a–z 0–9 _');

export const properties = z
  .record(
    propertyKey,
    z.union([text(MAX_TEXT), z.number(), z.boolean(), z.null()], {
      error: `must be a string (at most ${MAX_TEXT} characters), a number, a boolean or null`,
    }),
  )
  .refine((value) => Object.keys(value).length <= MAX_PROPERTIES, `at most ${MAX_PROPERTIES} properties`)
  .describe('Flat event properties (strings, numbers, booleans, null); trigger rules copy some into templates.');

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function jsonProblem(value: Json, depth: number): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : 'strings must be valid Unicode without NUL';
  if (value === null || typeof value !== 'object') return null;
  if (depth >= MAX_ATTRIBUTES_DEPTH) return `nested deeper than ${MAX_ATTRIBUTES_DEPTH} levels`;
  const entries = Array.isArray(value) ? value.map((item) => ['', item] as const) : Object.entries(value);
  for (const [key, item] of entries) {
    if (!isStorableText(key)) return 'keys must be valid Unicode without NUL';
    const problem = jsonProblem(item, depth + 1);
    if (problem) return problem;
  }
  return null;
}

export const attributes = z
  .record(z.string().min(1).max(64), z.json())
  .superRefine((value, ctx) => {
    const problem = jsonProblem(value, 0);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_ATTRIBUTES_BYTES) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_ATTRIBUTES_BYTES} bytes of JSON` });
    }
  })
  .describe('Free-form JSON attributes that campaign segments filter on (no secrets; keep PII to what you need).');

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const localTime = z
  .string()
  .regex(HH_MM, 'must be a local time HH:MM, 00:00–23:59')
  .transform((value) => minuteOfDay(Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5))));

/** A category name; which ones exist is the deployment's catalog (checked by the handlers: GET /v1/catalog lists them). */
export const categoryName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'category names are lower_snake_case (see GET /v1/catalog)')
  .describe('A category of the deployment’s catalog (GET /v1/catalog).');

const uniqueList = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .array(z.enum(values))
    .max(values.length)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a value');

// ---------------------------------------------------------------------------------------------
// Requests

export const userEventInput = z.strictObject({
  id: eventId,
  userId,
  type: eventType,
  occurredAt: timestamp.optional().describe(`When it happened; default: when the API received it. ${CLIENT_TIME_RULE}`),
  properties: properties.optional(),
});

export const eventsBatchInput = z.strictObject({
  events: z
    .array(userEventInput)
    .min(1, 'give at least one event')
    .max(MAX_BATCH_EVENTS, `at most ${MAX_BATCH_EVENTS} events per call`),
});

/** An id the caller chooses for a candidate: opaque, like user and event ids (it travels into Temporal). */
export const candidateId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
    error: 'candidate id must be 1–128 characters of A–Z a–z 0–9 _ . : -',
    abort: true,
  })
  .refine((value) => !looksLikeContact(value), 'candidate id looks like a phone number: use an opaque id')
  .describe('Chosen by your service, unique per user: a repeated id is accepted once.');

export const DURATION = /^(\d{1,6})(m|h|d)$/;
export const DURATION_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const MAX_BATCH_CANDIDATES = 100;

export const candidateInput = z.strictObject({
  id: candidateId,
  category: categoryName,
  template: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,99}$/, 'must be a template name (lower_snake_case)')
    .describe('A template of the catalog (GET /v1/catalog).'),
  variables: properties.optional().describe('Template variables; the template’s required ones must be here.'),
  ttl: z
    .string()
    .regex(DURATION, 'must be a duration such as 90m, 12h or 3d')
    .transform((text) => {
      const [, amount, unit] = DURATION.exec(text) ?? [];
      return durationMs(Number(amount) * DURATION_MS[unit as keyof typeof DURATION_MS]);
    })
    .optional()
    .describe('How long it may wait; default the category’s TTL. Give `ttl` or `expiresAt`, not both.'),
  expiresAt: timestamp.optional().describe('When it stops being worth sending.'),
  notBefore: timestamp.optional().describe('Not sent before this time.'),
  businessValue: z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1'),
  dedupeKey: text(200).optional().describe('Candidates with the same key within the dedupe window are sent once.'),
  deepLink: text(2_000).optional(),
  sourceId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'must be an id (A–Z a–z 0–9 _ . : -)')
    .optional()
    .describe('Your id for what produced it (provenance); default the candidate id.'),
  experiment: experimentId.optional(),
  variant: variantName.optional(),
});

export const candidatesBatchInput = z.strictObject({
  candidates: z
    .array(candidateInput)
    .min(1, 'give at least one candidate')
    .max(MAX_BATCH_CANDIDATES, `at most ${MAX_BATCH_CANDIDATES} candidates per call`),
});

export const candidateResult = z.object({
  id: z.string(),
  status: z
    .enum(['accepted', 'duplicate'])
    .describe('`duplicate`: a candidate with this id already has its outcome in the decision log.'),
});

export const candidatesResult = z.object({ userId: z.string(), candidates: z.array(candidateResult) });

export const MAX_BATCH_SESSIONS = 500;

export const sessionsInput = z
  .strictObject({
    at: timestamp.optional().describe(`When the app was opened; default now. ${CLIENT_TIME_RULE}`),
    sessions: z
      .array(z.strictObject({ at: timestamp }))
      .min(1)
      .max(MAX_BATCH_SESSIONS, `at most ${MAX_BATCH_SESSIONS} sessions per call`)
      .optional()
      .describe('Several sessions at once (e.g. a client flushing its queue).'),
  })
  .refine((body) => body.at === undefined || body.sessions === undefined, 'give `at` or `sessions`, not both');

export const sessionsResult = z.object({
  userId: z.string(),
  recorded: z.number().int(),
  sessions: z.number().int().describe('Sessions aggregated for this user so far.'),
  signalled: z
    .boolean()
    .describe('Whether the workflow was told at once (the user was dormant); otherwise it learns with its next step.'),
});

export const catalogResponse = z.object({
  version: z.object({ id: z.string(), since: z.string() }),
  categories: z.record(
    z.string(),
    z.object({
      class: z.string(),
      channels: z.array(z.string()),
      weeklyCap: z.number().nullable(),
      ttlMs: z.number(),
      sensitive: z.boolean(),
    }),
  ),
  triggers: z.array(z.object({ id: z.string(), eventType: z.string(), category: z.string(), template: z.string() })),
  templates: z.record(
    z.string(),
    z.object({ locales: z.array(z.string()), requiredVariables: z.array(z.string()), variables: z.array(z.string()) }),
  ),
  engagementEvents: z.array(z.string()),
  journeys: z.array(z.object({ id: z.string() })),
  experiments: z.array(z.object({ id: z.string(), variants: z.array(z.string()) })),
});

export const userPath = z.strictObject({ id: userId });
export const devicePath = z.strictObject({ id: userId, token: deviceToken });
export const notificationPath = z.strictObject({ id: notificationId });
export const unsubscribePath = z.strictObject({ token: z.string().min(1).max(2048) });

export const profileInput = z.strictObject({
  timeZone,
  locale,
  attributes: attributes.optional().describe('Replaces the stored attributes; default {}.'),
});

export const preferencesPatch = z
  .strictObject({
    globalOptOut: z.boolean().optional().describe('Stops everything except critical (security) notifications.'),
    optedOutCategories: z
      .array(categoryName)
      .max(256)
      .refine((list) => new Set(list).size === list.length, 'must not repeat a value')
      .optional(),
    optedOutChannels: uniqueList(CHANNELS).optional(),
    quietHours: z
      .strictObject({ start: localTime, end: localTime })
      .refine((window) => window.start !== window.end, 'start and end must differ')
      .nullable()
      .optional()
      .describe('Local quiet window, may cross midnight; null restores the default (22:00–07:00).'),
    nightDelivery: z.boolean().optional().describe('The user opted in to delivery during quiet hours.'),
    privacyMode: z.boolean().optional().describe('Lock-screen-safe text only.'),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), 'give at least one field to change');

export const deviceInput = z.strictObject({ platform: z.enum(['ios', 'android', 'web']) });

/** Email addresses are PII: validated here, stored, never logged, and echoed only redacted. */
export const emailAddress = z
  .email({ error: 'must be an email address such as ada@example.org', abort: true })
  .max(254, 'at most 254 characters')
  // Domains are case-insensitive; the local part is kept as given.
  .transform((address) => {
    const at = address.lastIndexOf('@');
    return address.slice(0, at) + address.slice(at).toLowerCase();
  })
  .describe('The address to email. Never logged; answers show it redacted.');

/** E.164: the form SMS providers take. Phone numbers are PII: never logged, echoed only redacted. */
export const phoneNumber = z
  .string()
  .regex(
    /^\+[1-9]\d{6,14}$/,
    'must be an E.164 phone number: +, the country code and the number, digits only (e.g. +33612345678)',
  )
  .describe('E.164 phone number, e.g. +33612345678. Never logged; answers show it redacted.');

export const emailEndpointInput = z.strictObject({ address: emailAddress });
export const smsEndpointInput = z.strictObject({ phone: phoneNumber });

export const notificationEventInput = z
  .strictObject({
    type: z.enum(NOTIFICATION_EVENT_TYPES),
    at: timestamp.optional().describe(`When it happened; default: when the API received it. ${CLIENT_TIME_RULE}`),
    userId: userId
      .optional()
      .describe('The recipient; needed only when the receipt may arrive before the send is in the decision log.'),
    value: conversionValue.optional().describe('On `converted` only: what the conversion was worth.'),
  })
  .refine((body) => body.value === undefined || body.type === 'converted', {
    path: ['value'],
    message: 'only a `converted` event has a value',
  });

const pageSize = z
  .string()
  .regex(/^\d{1,4}$/, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`));

export const decisionsQuery = z.strictObject({
  limit: pageSize.optional().describe('Page size, default 50.'),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'pass back a nextCursor unchanged')
    .optional(),
  outcome: z
    .enum(DECISION_FILTERS as [string, ...string[]])
    .optional()
    .describe('sent, suppressed, or one reason.'),
  source: z.enum(CANDIDATE_SOURCES).optional().describe('Only candidates from this source.'),
  sourceId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'must be an id (A–Z a–z 0–9 _ . : -)')
    .optional()
    .describe('Only candidates from this source id (event id, journey run, campaign id).'),
  template: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,99}$/, 'must be a template name')
    .optional()
    .describe('Only this template.'),
  experiment: experimentId.optional(),
  variant: variantName.optional(),
});

export const outboxQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `must be an integer from 1 to ${MAX_OUTBOX_PAGE}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_OUTBOX_PAGE))
    .optional(),
  userId: userId.optional(),
});

export const emptyQuery = z.strictObject({});

// ---------------------------------------------------------------------------------------------
// Responses

const isoTime = z.string().describe('RFC 3339 UTC time');

export const problemResponse = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z
    .array(z.object({ in: z.enum(['body', 'path', 'query', 'header']), field: z.string(), message: z.string() }))
    .optional(),
});

export const eventResult = z.object({
  id: z.string(),
  userId: z.string(),
  status: z.enum(['accepted', 'duplicate']),
  candidateIds: z
    .array(z.string())
    .describe('The candidates the event produced: follow them in the decision log (GET /v1/users/{id}/decisions).'),
  matchedRules: z.array(z.string()).describe('Ids of the catalog rules that matched (GET /v1/catalog).'),
  note: z.string().optional().describe('Present when no rule matched: the event is stored and nothing else happens.'),
});

export const eventsBatchResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  results: z.array(eventResult),
});

export const userResponse = z.object({
  id: z.string(),
  timeZone: z.string(),
  locale: z.string(),
  attributes: z.record(z.string(), z.json()),
  preferences: z.lazy(() => preferencesResponse),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const preferencesResponse = z.object({
  globalOptOut: z.boolean(),
  optedOutCategories: z.array(z.string()),
  optedOutChannels: z.array(z.enum(CHANNELS)),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
  nightDelivery: z.boolean(),
  privacyMode: z.boolean(),
});

export const deviceResponse = z.object({
  userId: z.string(),
  platform: z.enum(['ios', 'android', 'web']),
  status: z.enum(['registered', 'reactivated']),
});

export const contactEndpointResponse = z.object({
  userId: z.string(),
  channel: z.enum(['email', 'sms']),
  destination: z.string().describe('The address or number, redacted (a***@example.org, +33*******78).'),
  status: z
    .enum(['registered', 'replaced', 'reactivated'])
    .describe('`registered`: the user had none; `replaced`: another one was replaced; `reactivated`: the same one.'),
});

export const notificationEventResult = z.object({
  notificationId: z.string(),
  userId: z.string(),
  type: z.enum(NOTIFICATION_EVENT_TYPES),
  status: z.enum(['recorded', 'duplicate']),
});

export const decisionResponse = z.object({
  candidateId: z.string(),
  category: z.string(),
  outcome: z.enum(['sent', 'suppressed']),
  source: z.enum(CANDIDATE_SOURCES).optional().describe('Where the candidate came from (provenance).'),
  sourceId: z.string().optional().describe('The source’s id: event id, the caller’s candidate id, journey run…'),
  journey: z
    .object({ name: z.string(), step: z.string() })
    .optional()
    .describe('A journey’s candidate: the journey and the step that proposed it.'),
  template: z.string().optional(),
  experiment: z.string().optional(),
  variant: z.string().optional(),
  configVersion: z.string().optional().describe('The catalog/policy version the decision was made under.'),
  channel: z.enum(CHANNELS).optional(),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  detail: z.string().optional(),
  at: isoTime,
});

const receiptTimes = z
  .object({
    delivered: isoTime.optional(),
    opened: isoTime.optional(),
    engaged: isoTime.optional(),
    converted: isoTime.optional(),
  })
  .describe('When each receipt for this notification arrived (the first of each type); empty until one does.');

export const loggedDecisionResponse = decisionResponse.extend({
  receipts: receiptTimes.optional().describe('On `sent` decisions only.'),
  recorded: z
    .boolean()
    .describe(
      'False for a decision the user’s workflow has made and shows but has not written to the log yet ' +
        '(suppressions are written in batches, up to the deployment’s decision-log delay later).',
    ),
});

export const decisionsPage = z.object({
  decisions: z.array(loggedDecisionResponse),
  nextCursor: z.string().optional().describe('Pass as ?cursor= for the next (older) page; absent on the last.'),
  liveDecisions: z
    .enum(['included', 'no_workflow', 'unavailable'])
    .describe(
      '`included`: the workflow’s not-yet-recorded decisions are merged in (`recorded: false`); `no_workflow`: the ' +
        'user has no workflow, the log is complete; `unavailable`: Temporal or the workflow did not answer, so this ' +
        'page is the database alone and may lack the most recent suppressions.',
    ),
});

const queuedCandidate = z.object({
  id: z.string(),
  category: z.string(),
  template: z.string(),
  source: z.string(),
  sourceId: z.string().optional(),
  experiment: z.string().optional(),
  variant: z.string().optional(),
  createdAt: isoTime,
  expiresAt: isoTime,
  notBefore: isoTime.optional(),
  businessValue: z.number(),
  score: z.object({ expectedValue: z.number(), bestSendAt: isoTime, source: z.enum(['model', 'prior']) }).nullable(),
});

export const stateResponse = z.object({
  userId: z.string(),
  profile: z.object({ timeZone: z.string(), locale: z.string() }),
  preferences: preferencesResponse,
  budgetLeftToday: z.number().int(),
  cooldownUntil: isoTime.nullable(),
  nextPlannedSend: z
    .object({
      at: isoTime,
      atLocal: z.string().describe('The same time in the user’s time zone, for humans.'),
      candidateId: z.string(),
      why: z.string(),
    })
    .nullable(),
  planWhy: z.string().describe('Why the workflow is idle or waiting, from its last plan.'),
  queue: z.array(queuedCandidate),
  recentDecisions: z.array(decisionResponse).describe('Newest last, bounded; the full log is at /decisions.'),
  recentSends: z
    .array(
      z.object({
        notificationId: z.string(),
        category: z.string(),
        channel: z.enum(CHANNELS),
        sentAt: isoTime,
        deliveredAt: isoTime.optional(),
        openedAt: isoTime.optional().describe('Also set by an `engaged` or `converted` receipt, which imply the open.'),
        engagedAt: isoTime.optional(),
        convertedAt: isoTime.optional(),
      }),
    )
    .describe('Delivered notifications with the receipts the workflow has applied, newest last, bounded.'),
  inboxSize: z.number().int(),
  stats: z.record(z.string(), z.number()),
  configVersion: z
    .object({ id: z.string(), since: z.number().describe('When it became current (epoch ms).') })
    .describe('The catalog/policy version the workflow decides with now (docs/catalog.md).'),
  sessions: z
    .object({ count: z.number().int(), lastAt: isoTime })
    .optional()
    .describe('The stored session aggregate as the workflow last received it.'),
  learnedPeakHour: z
    .number()
    .int()
    .nullable()
    .describe('Local hour of day (0–23) the user engages most, from receipts and sessions; null before any.'),
  journeys: z
    .object({
      active: z.array(
        z.object({
          runId: z.string(),
          journey: z.string(),
          version: z.number().int(),
          step: z.string(),
          enrolledAt: isoTime,
          ending: z.string().optional(),
        }),
      ),
      ended: z.array(z.object({ runId: z.string(), journey: z.string(), reason: z.string(), at: isoTime })),
      refused: z.array(z.object({ journey: z.string(), at: isoTime, why: z.string() })),
    })
    .optional()
    .describe('The user’s journeys: active runs and their step, recent ends and refused enrollments.'),
  /** false: the workflow answered now; true: its last stored view (it was slow to answer, or Temporal is away). */
  stale: z.boolean(),
  /** When the workflow gave this view. */
  asOf: isoTime,
  /** With a stale view: accepted items that have not reached the workflow since. */
  undispatched: z.number().int().min(0).optional(),
});

export const outboxResponse = z.object({
  dryRun: z.literal(true).describe('Always true: these messages were NOT sent (no provider credentials).'),
  entries: z.array(
    z.object({
      id: z.string(),
      dryRun: z.literal(true),
      notificationId: z.string(),
      userId: z.string(),
      channel: z.enum(CHANNELS),
      destination: z.string().describe('Redacted destination.'),
      title: z.string(),
      body: z.string(),
      subject: z.string().optional(),
      data: z.record(z.string(), z.string()).optional(),
      createdAt: isoTime,
    }),
  ),
});

export const unsubscribeResult = z.object({
  userId: z.string(),
  category: z.string(),
  status: z.literal('unsubscribed'),
});

export const healthResponse = z.object({ status: z.literal('ok') });
export const readyResponse = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z
    .object({
      database: z.enum(['ok', 'unavailable', 'timeout']),
      temporal: z.enum(['ok', 'unavailable', 'timeout']),
    })
    .describe('Each component: ok, unavailable (it failed; the reason is in the server log) or timeout.'),
  ingest: z
    .object({ undelivered: z.number().int(), oldestUndeliveredSeconds: z.number() })
    .optional()
    .describe('The dispatcher’s lag: accepted items not yet handed to their workflows, and the oldest one’s age.'),
});

export const timeZonesResponse = z.object({ timeZones: z.array(z.string()) });
export const localesResponse = z.object({
  rule: z.string(),
  withTemplates: z.array(z.string()),
});
