// The catalog (docs/catalog.md): one declared, validated, versioned description of what a deployment sends. Pure types
// and helpers; the default catalog is catalog/default.json, read and validated by catalog/load.ts.
import type { PolicyConfig } from './config';
import type { HoldoutConfig } from './experiments';
import type { TriggerRule } from './triggers';
import type { CategoryPolicy, DurationMs, EpochMs } from './types';
import { hours } from './units';

/** What the catalog knows of a template: its locales and variables, read from `templates/<name>/<locale>.json`. */
export interface TemplateSummary {
  locales: string[];
  /** Variable → whether some locale declares it required (a candidate without it is refused by the API). */
  variables: Record<string, { required: boolean }>;
}

/** A journey that enrolls users on its events here; the id must name one the build runs (checked at start-up). */
export interface JourneyEntry {
  id: string;
  description?: string;
}

/**
 * An experiment the catalog declares (docs/measurement.md): its variants, each with a relative weight (default 1) and
 * optionally the template it uses instead of the rule's. A variant named `control` never sends.
 */
export interface ExperimentEntry {
  id: string;
  variants: string[];
  /** Variant → relative weight; a variant not named here weighs 1. */
  weights?: Record<string, number>;
  /** Variant → template to use instead of the candidate's. */
  templates?: Record<string, string>;
  description?: string;
}

/** How receipts without a notification, opt-outs and uninstalls are attributed (docs/measurement.md). */
export interface AttributionWindows {
  /** An engagement or conversion without a notification id goes to the last notification opened this long before. */
  openWindowMs: DurationMs;
  /** An opt-out or token invalidation goes to the last notification sent this long before. */
  churnWindowMs: DurationMs;
}

export const DEFAULT_ATTRIBUTION: AttributionWindows = { openWindowMs: hours(24), churnWindowMs: hours(72) };

export interface Catalog {
  categories: Record<string, CategoryPolicy>;
  triggers: TriggerRule[];
  templates: Record<string, TemplateSummary>;
  /** Event types that count as the user engaging with the app (like a session): aggregated, never turned into candidates. */
  engagementEvents: string[];
  journeys: JourneyEntry[];
  experiments: ExperimentEntry[];
  /** The global holdout (parsed catalogs always have one: 5 % unless declared). */
  holdout?: HoldoutConfig;
  attribution?: AttributionWindows;
}

/** An experiment's variants with their weights, for assignVariant. */
export function experimentDefinition(entry: ExperimentEntry): {
  id: string;
  variants: { name: string; weight: number }[];
} {
  return { id: entry.id, variants: entry.variants.map((name) => ({ name, weight: entry.weights?.[name] ?? 1 })) };
}

/**
 * One version of what decides: the catalog's categories merged with the policy (TACT_POLICY). Its `id` is a hash of
 * its content; `since` is when it became current (PostgreSQL `config_versions`). This is what a user workflow
 * carries in its state and what activities hand it when a newer one is current (docs/catalog.md "Versions").
 */
export interface RuleSet {
  id: string;
  since: EpochMs;
  policy: PolicyConfig;
}

/** Just the identity of a version, as a workflow reports it to its activities. */
export interface RuleSetRef {
  id: string;
  since: EpochMs;
}

/** Whether `candidate` should replace `current`: a different version that became current later. */
export function isNewerRuleSet(candidate: RuleSetRef, current: RuleSetRef | undefined): boolean {
  return current === undefined || (candidate.id !== current.id && candidate.since > current.since);
}

/** The version of a workflow started before versions existed: the policy it was started with. */
export const LEGACY_RULESET_ID = 'legacy';
