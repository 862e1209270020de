// The shared vocabulary of Tact. Pure types: imported by workflow code (Temporal sandbox),
// activities, the API and tests alike. No I/O and no runtime dependencies here.

import type { DurationMs, EpochMs, MinuteOfDay, Probability } from './units';

export type { DurationMs, EpochMs, MinuteOfDay, Probability } from './units';

/**
 * A category name. Categories are data: the deployment's catalog declares them (catalog/default.json ships
 * security, account, social, content, reminder, marketing), so no list of them is fixed in code.
 */
export type Category = string;

export const PRIORITY_CLASSES = ['critical', 'transactional', 'normal', 'promotional'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];
/**
 * How much a class outranks the others, most important first (0): the planner sends a lower rank first, and a full
 * queue evicts a higher rank first. Normal and promotional share a rank: expected value orders them.
 */
export const PRIORITY_RANK = { critical: 0, transactional: 1, normal: 2, promotional: 2 } as const satisfies Record<
  PriorityClass,
  number
>;

export const CHANNELS = ['push', 'email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CANDIDATE_SOURCES = ['event', 'api', 'journey', 'campaign', 'schedule'] as const;
export type CandidateSource = (typeof CANDIDATE_SOURCES)[number];

/**
 * Where a candidate came from, carried by the candidate and by its decision row (docs/catalog.md "Provenance"):
 * the source, the source's own id (event id, the API caller's candidate id, journey run, campaign id), the template,
 * and the experiment and variant when the candidate is part of one.
 */
export interface Provenance {
  source: CandidateSource;
  sourceId?: string;
  /** A journey's candidate: the journey's name and the step that proposed it (sourceId is the run). */
  journey?: JourneyStepRef;
  template: string;
  experiment?: string;
  variant?: string;
}

export interface JourneyStepRef {
  name: string;
  step: string;
}

/** A proposed notification (docs/product.md §1). */
export interface Candidate {
  id: string;
  userId: string;
  category: Category;
  template: string;
  variables: Record<string, string | number | boolean | null>;
  deepLink?: string;
  createdAt: EpochMs;
  expiresAt: EpochMs;
  notBefore?: EpochMs;
  dedupeKey?: string;
  businessValue: Probability;
  source: CandidateSource;
  /** The source's id: the event id for `event`, the caller's id for `api`, the journey run, the campaign id. */
  sourceId?: string;
  /** Set by journeys (absent on every other source, and on candidates from before journeys existed). */
  journey?: JourneyStepRef;
  experiment?: string;
  variant?: string;
}

export interface CategoryPolicy {
  priorityClass: PriorityClass;
  /** Ordered channel preference. */
  channels: Channel[];
  /** Rolling 7-day cap; null means uncapped. */
  weeklyCap: number | null;
  ttlMs: DurationMs;
  /** Sensitive content gets lock-screen-safe text. */
  sensitive: boolean;
  /** Collapsible categories replace an older undelivered push of the same category on the device. */
  collapsible: boolean;
}

export interface QuietHours {
  /** Start of the quiet window, local time. */
  start: MinuteOfDay;
  /** End of the quiet window, local time; may be earlier than start (crosses midnight). */
  end: MinuteOfDay;
}

export interface Preferences {
  globalOptOut: boolean;
  optedOutCategories: Category[];
  optedOutChannels: Channel[];
  /** null: the deployment default quiet hours. */
  quietHours: QuietHours | null;
  /** The user opted in to delivery during the night. */
  nightDelivery: boolean;
  privacyMode: boolean;
}

export interface UserProfile {
  /** IANA time zone, e.g. "Europe/Paris". */
  timeZone: string;
  /** BCP 47 locale, e.g. "pt-BR". */
  locale: string;
}

/** One delivered (counted) notification, kept for caps, cooldown and adaptive rules. */
export interface SendRecord {
  candidateId: string;
  category: Category;
  channel: Channel;
  at: EpochMs;
  /** When the user opened it: the earliest `opened` receipt, or an `engaged`/`converted` one (they imply the open). */
  openedAt?: EpochMs;
  /** Earliest `delivered` receipt (the device reported it). */
  deliveredAt?: EpochMs;
  /** Earliest `engaged` receipt. */
  engagedAt?: EpochMs;
  /** Earliest `converted` receipt. */
  convertedAt?: EpochMs;
}

export const SUPPRESSION_REASONS = [
  'opted_out',
  'duplicate',
  'expired',
  'low_score',
  'daily_cap',
  'category_cap',
  'no_channel',
  'delivery_failed',
  'template_error',
  /** A critical notification beyond the per-user ceiling (PolicyConfig.criticalSendsPerHour), or a full queue. */
  'rate_limited',
  /** The catalog version the workflow adopted no longer has the candidate's category. */
  'category_removed',
  /** Its source withdrew it while it was pending (a cancelled campaign, an exited journey run). */
  'cancelled',
  /** The user is in the global holdout, or the candidate is its experiment's control (docs/measurement.md). */
  'holdout',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** Every candidate ends in exactly one outcome (docs/product.md §4). */
export type Outcome =
  | { kind: 'sent'; channel: Channel; at: EpochMs }
  | { kind: 'suppressed'; reason: SuppressionReason; at: EpochMs; detail?: string };

export interface Decision {
  candidateId: string;
  category: Category;
  outcome: Outcome;
  /** Absent only on decisions made before provenance existed. */
  provenance?: Provenance;
  /** The catalog/policy version (content hash) the decision was made under; absent before versions existed. */
  configVersion?: string;
  /** On a send: what was sent and who scored it, for the model's training (the decision log keeps it). */
  sent?: SentContext;
}

export interface SentContext {
  template: string;
  businessValue: Probability;
  candidateCreatedAt: EpochMs;
  /** 'prior', or 'model:<version>'. */
  scoredBy: string;
}

/** What the scoring activity returns per candidate. */
export interface Score {
  candidateId: string;
  /** Predicted open probability × business value, minus penalties. */
  expectedValue: Probability;
  /** Predicted best send time within the next 24 h. */
  bestSendAt: EpochMs;
  /** Who scored it: 'prior' (absent means the same), or 'model:<version>'. */
  scoredBy?: string;
}

/** A user event sent by a backend service (POST /v1/events). `id` is client-supplied and idempotent. */
export interface UserEvent {
  id: string;
  userId: string;
  type: string;
  occurredAt: EpochMs;
  properties: Record<string, string | number | boolean | null>;
}

export const NOTIFICATION_EVENT_TYPES = ['delivered', 'opened', 'engaged', 'converted'] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

/** A receipt or engagement event for a sent notification (POST /v1/notifications/{id}/events). */
export interface NotificationEvent {
  notificationId: string;
  type: NotificationEventType;
  at: EpochMs;
}

/** Engagement counts by local hour of week (0 = Monday 00:00 local), 168 entries, time-decayed. */
export type HourOfWeekCounts = number[];
