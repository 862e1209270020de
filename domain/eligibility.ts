// Who may receive what, independent of time: opt-outs (global, category, channel) and channel routing (docs/product.md §2).
import { categoryPolicy } from './config';
import type { PolicyConfig } from './config';
import type { Candidate, Category, Channel, Preferences, SuppressionReason } from './types';

export type Ineligibility = {
  reason: Extract<SuppressionReason, 'opted_out' | 'no_channel' | 'category_removed'>;
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
  return null;
}
