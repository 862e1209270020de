// The loadUserSettings activity and its sources: what a (re)started user workflow applies before its first decision.
import type { StoredUserSettings, UserSettingsSource } from '../domain/ports';
import type { Preferences, UserProfile } from '../domain/types';
import { defaultPreferences } from '../domain/user-defaults';
import type { LoadUserSettingsInput } from './types';

export function createLoadUserSettings(
  source: UserSettingsSource,
): (input: LoadUserSettingsInput) => Promise<StoredUserSettings> {
  return ({ userId }) => source.load(userId);
}

/** The repository reads the source needs (db/users.ts and db/preferences.ts implement them). */
export interface SettingsRepositories {
  users: { get(id: string): Promise<UserProfile | null> };
  /** The stored preferences, or the defaults when the user never set any. */
  preferences: { get(userId: string): Promise<Preferences> };
}

/** Settings from the database. A user without a stored profile has nothing stored (preferences need a profile). */
export function createStoredUserSettings(repos: SettingsRepositories): UserSettingsSource {
  return {
    async load(userId) {
      const [user, preferences] = await Promise.all([repos.users.get(userId), repos.preferences.get(userId)]);
      if (user === null) return { profile: null, preferences: null };
      // Only the profile fields: a stored user's attributes (segment data, possibly PII) stay out of history.
      return { profile: { timeZone: user.timeZone, locale: user.locale }, preferences };
    },
  };
}

/** Settings kept in memory, for tests and the in-memory worker; a user nobody stored settings for has none. */
export class InMemoryUserSettings implements UserSettingsSource {
  private readonly stored = new Map<string, { profile: UserProfile; preferences: Preferences }>();

  /** Stores a profile, and preferences (the defaults when absent), as `PUT /v1/users` and `PATCH …/preferences` do. */
  store(userId: string, profile: UserProfile, preferences: Preferences = defaultPreferences()): void {
    this.stored.set(userId, { profile: { ...profile }, preferences: structuredClone(preferences) });
  }

  delete(userId: string): void {
    this.stored.delete(userId);
  }

  async load(userId: string): Promise<StoredUserSettings> {
    const settings = this.stored.get(userId);
    if (settings === undefined) return { profile: null, preferences: null };
    return { profile: { ...settings.profile }, preferences: structuredClone(settings.preferences) };
  }
}
