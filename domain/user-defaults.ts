// What a user who never told us anything gets: one definition for the workflow, the database and tests.
import type { Preferences, UserProfile } from './types';

export function defaultProfile(): UserProfile {
  return { timeZone: 'UTC', locale: 'en' };
}

/** A fresh object each call: callers may mutate their copy (its arrays included). */
export function defaultPreferences(): Preferences {
  return {
    globalOptOut: false,
    optedOutCategories: [],
    optedOutChannels: [],
    quietHours: null,
    nightDelivery: false,
    privacyMode: false,
  };
}
