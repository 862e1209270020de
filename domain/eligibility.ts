// Who may receive what, independent of time: opt-outs (global, category, channel) and channel routing (docs/product.md §2).
import { categoryPolicy } from './config';
import type { PolicyConfig } from './config';
import { CONTROL_VARIANT, inHoldout } from './experiments';
import type { Candidate, Category, Channel, Preferences, SuppressionReason } from './types';

export type Ineligibility = {
  reason: Extract<SuppressionReason, 'opted_out' | 'no_channel' | 'category_removed' | 'holdout'>;
  detail: string;
};

/** Whether the config (its catalog) declares this category. */
export function isKnownCategory(config: PolicyConfig, category: string): boolean {
  return Object.hasOwn(config.categories, category);
}

/** The category's channels in order, minus the user's channel opt-outs. */
export function allowedChannels(category: Category, prefs: Preferences, config: PolicyConfig): Channel[] {
  return categoryPolicy(config, category).channels.filter((channel) => !prefs.optedOutChannels.includes(channel));
}

/** Why this candidate can never be sent under these preferences, or null when it may be. */
export function ineligibility(candidate: Candidate, prefs: Preferences, config: PolicyConfig): Ineligibility | null {
  if (!isKnownCategory(config, candidate.category)) {
    return { reason: 'category_removed', detail: `category "${String(candidate.category)}" is not in the catalog` };
  }
  const { priorityClass } = categoryPolicy(config, candidate.category);
  if (prefs.globalOptOut && priorityClass !== 'critical') {
    return { reason: 'opted_out', detail: 'user opted out of all non-critical notifications' };
  }
  if (prefs.optedOutCategories.includes(candidate.category)) {
    return { reason: 'opted_out', detail: `user opted out of ${candidate.category}` };
  }
  if (allowedChannels(candidate.category, prefs, config).length === 0) {
    return { reason: 'no_channel', detail: `every ${candidate.category} channel is opted out` };
  }
  // Holdouts (docs/measurement.md): decided here, where every candidate of every source passes, so no source can
  // send a held-out user a non-critical notification. The row still names its experiment and variant.
  if (priorityClass !== 'critical') {
    if (candidate.variant === CONTROL_VARIANT) {
      return { reason: 'holdout', detail: `control group of experiment ${candidate.experiment ?? '(unnamed)'}` };
    }
    if (inHoldout(candidate.userId, config.holdout)) {
      return { reason: 'holdout', detail: 'user is in the global holdout' };
    }
  }
  return null;
}
