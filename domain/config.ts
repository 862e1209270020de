// Policy defaults (docs/product.md §2–§4). Every number is configurable per deployment through withOverrides.
import type { HoldoutConfig } from './experiments';
import { CHANNELS, PRIORITY_CLASSES } from './types';
import type { Category, CategoryPolicy, DurationMs, PriorityClass, Probability, QuietHours } from './types';
import { DAY_MS } from './time';
import { days, hours, isMinuteOfDay, isProbability, minuteOfDay, minutes, probability } from './units';

export interface PolicyConfig {
  /** The catalog's categories by name (catalog/default.json ships the six of DEFAULT_POLICY). */
  categories: Record<Category, CategoryPolicy>;
  /** Normal/promotional notifications per local calendar day. */
  dailyCap: number;
  /** Daily cap for low responders. */
  lowResponderDailyCap: number;
  /** A user with no open among their last this-many sends is a low responder. */
  lowResponderWindow: number;
  /** No engagement for this long → dormant. */
  dormantAfterMs: DurationMs;
  /** Dormant users only get candidates at least this valuable. */
  dormantMinBusinessValue: Probability;
  /** Normal/promotional sends per rolling 7 days for dormant users. */
  dormantWeeklyCap: number;
  /** Minimum gap between two non-critical notifications. */
  cooldownMs: DurationMs;
  defaultQuietHours: QuietHours;
  /** Normal/promotional candidates whose expected value is below this are held (and dropped `low_score` at expiry). */
  scoreFloor: Probability;
  /** How long a dedupeKey is remembered after admission. */
  dedupeWindowMs: DurationMs;
  /**
   * Learn a user's send times by local hour of the weekday / weekend day (domain/send-time.ts pooledByDayKind)
   * instead of by the 168 hours of the week apart. Off by default for now (docs/learning.md "Policy quality"): on,
   * it changes two hand-derived outcomes of the exact-week test, which has not been re-derived yet. Absent in rule
   * sets and workflows from before it: off.
   */
  engagementPooling?: boolean;
  /**
   * Critical notifications per user per rolling hour (default 10): critical bypasses every budget, so a flood of
   * e.g. password-reset events would otherwise notify (and grow the workflow's history) without limit. Beyond it a
   * critical candidate ends `rate_limited`.
   */
  criticalSendsPerHour: number;
  /**
   * The global holdout (docs/measurement.md): this share of users gets no non-critical notification. Set from the
   * catalog's `holdout` by catalog/load.ts; absent (no holdout) in DEFAULT_POLICY, so the policy of a workflow started
   * before versions existed, which replays from DEFAULT_POLICY, is unchanged.
   */
  holdout?: HoldoutConfig;
}

// Overrides are input (TACT_POLICY's JSON, a test's values), so a unit in them is a plain number: withOverrides
// validates each (policyProblems) before the merged policy is a PolicyConfig with its units again.
export type DeepPartial<T> = T extends number
  ? number
  : T extends readonly unknown[]
    ? T
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

export const WEEK_MS: DurationMs = days(7);

/** The categories of the default catalog (catalog/default.json): data, named here only for the defaults below. */
export type DefaultCategory = 'security' | 'account' | 'social' | 'content' | 'reminder' | 'marketing';

export const DEFAULT_POLICY: PolicyConfig & { categories: Record<DefaultCategory, CategoryPolicy> } = {
  categories: {
    security: {
      priorityClass: 'critical',
      channels: ['sms', 'push', 'email'],
      weeklyCap: null,
      ttlMs: minutes(15),
      sensitive: true,
      collapsible: false,
    },
    account: {
      priorityClass: 'transactional',
      channels: ['push', 'email'],
      weeklyCap: null,
      ttlMs: DAY_MS,
      sensitive: true,
      collapsible: false,
    },
    social: {
      priorityClass: 'normal',
      channels: ['push'],
      weeklyCap: 7,
      ttlMs: hours(12),
      sensitive: false,
      collapsible: true,
    },
    content: {
      priorityClass: 'normal',
      channels: ['push'],
      weeklyCap: 5,
      ttlMs: days(2),
      sensitive: false,
      collapsible: true,
    },
    reminder: {
      priorityClass: 'normal',
      channels: ['push'],
      weeklyCap: 4,
      ttlMs: DAY_MS,
      sensitive: false,
      collapsible: true,
    },
    marketing: {
      priorityClass: 'promotional',
      channels: ['email', 'push'],
      weeklyCap: 2,
      ttlMs: days(3),
      sensitive: false,
      collapsible: true,
    },
  },
  dailyCap: 3,
  lowResponderDailyCap: 1,
  lowResponderWindow: 10,
  dormantAfterMs: days(30),
  dormantMinBusinessValue: probability(0.8),
  dormantWeeklyCap: 1,
  cooldownMs: hours(4),
  defaultQuietHours: { start: minuteOfDay(22 * 60), end: minuteOfDay(7 * 60) },
  scoreFloor: probability(0.02),
  dedupeWindowMs: DAY_MS,
  criticalSendsPerHour: 10,
};

/** Critical and transactional notifications are urgent: sent as soon as the rules allow, no send-time optimization. */
export function isUrgent(priorityClass: PriorityClass): boolean {
  return priorityClass === 'critical' || priorityClass === 'transactional';
}

/** Normal and promotional notifications count against the daily, category, adaptive caps and the score floor. */
export function isBudgeted(priorityClass: PriorityClass): boolean {
  return priorityClass === 'normal' || priorityClass === 'promotional';
}

export function categoryPolicy(config: PolicyConfig, category: Category): CategoryPolicy {
  const policy = Object.hasOwn(config.categories, category) ? config.categories[category] : undefined;
  if (policy === undefined) throw new RangeError(`Unknown category "${category}"`);
  return policy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

/** Deep-merges overrides (arrays replace, they do not concatenate) and validates the result. */
export function withOverrides(base: PolicyConfig, overrides: DeepPartial<PolicyConfig>): PolicyConfig {
  const merged = deepMerge(base, overrides) as PolicyConfig;
  const problems = policyProblems(merged);
  if (problems.length > 0) throw new RangeError(`Invalid policy config: ${problems.join('; ')}`);
  return merged;
}

function isCount(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

function isDuration(n: unknown): boolean {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/** Everything wrong with a config, as human-readable strings (empty when valid). */
export function policyProblems(config: PolicyConfig): string[] {
  const problems: string[] = [];
  const categories = Object.entries(config.categories ?? {});
  if (categories.length === 0) problems.push('categories must declare at least one category');
  for (const [category, policy] of categories) {
    if (policy === undefined || policy === null || typeof policy !== 'object') {
      problems.push(`categories.${category} must be an object`);
      continue;
    }
    if (!PRIORITY_CLASSES.includes(policy.priorityClass)) {
      problems.push(`categories.${category}.priorityClass must be one of ${PRIORITY_CLASSES.join(', ')}`);
    }
    if (!Array.isArray(policy.channels) || policy.channels.some((c) => !CHANNELS.includes(c))) {
      problems.push(`categories.${category}.channels must list channels from ${CHANNELS.join(', ')}`);
    } else if (new Set(policy.channels).size !== policy.channels.length) {
      problems.push(`categories.${category}.channels has duplicates`);
    }
    if (policy.weeklyCap !== null && !isCount(policy.weeklyCap)) {
      problems.push(`categories.${category}.weeklyCap must be null or a non-negative integer`);
    }
    if (!isDuration(policy.ttlMs) || policy.ttlMs === 0) {
      problems.push(`categories.${category}.ttlMs must be a positive duration`);
    }
  }
  for (const key of [
    'dailyCap',
    'lowResponderDailyCap',
    'lowResponderWindow',
    'dormantWeeklyCap',
    'criticalSendsPerHour',
  ] as const) {
    if (!isCount(config[key])) problems.push(`${key} must be a non-negative integer`);
  }
  for (const key of ['dormantAfterMs', 'cooldownMs', 'dedupeWindowMs'] as const) {
    if (!isDuration(config[key])) problems.push(`${key} must be a non-negative duration in ms`);
  }
  for (const key of ['dormantMinBusinessValue', 'scoreFloor'] as const) {
    if (!isProbability(config[key])) problems.push(`${key} must be in 0..1`);
  }
  if (config.engagementPooling !== undefined && typeof config.engagementPooling !== 'boolean') {
    problems.push('engagementPooling must be true or false');
  }
  if (config.holdout !== undefined) {
    const percent = config.holdout?.percent;
    if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100))
      problems.push('holdout.percent must be in 0..100');
  }
  const quiet = config.defaultQuietHours;
  if (!isMinuteOfDay(quiet?.start) || !isMinuteOfDay(quiet?.end)) {
    problems.push('defaultQuietHours.start/end must be integer minutes of day in 0..1439');
  }
  return problems;
}
