// Shared test data for delivery tests.
import type { Candidate, Category, Preferences, UserProfile } from '../../domain/types';
import type { PushMessage } from '../../activities/delivery/types';
import { defaultPreferences } from '../../domain/user-defaults';
import { probability, minutes, subMs, addMs, hours } from '../../domain/units';
import { utc } from '../support/instants';

export const NOW = utc(2025, 5, 2, 12, 0, 0);

export function candidate(overrides: Partial<Candidate> & { category?: Category } = {}): Candidate {
  return {
    id: 'cand-0001',
    userId: 'user-42',
    category: 'social',
    template: 'friend_joined',
    variables: { friend: 'Ada' },
    deepLink: 'tact-demo://friends/ada',
    createdAt: subMs(NOW, minutes(1)),
    expiresAt: addMs(NOW, hours(12)),
    businessValue: probability(0.5),
    source: 'event',
    ...overrides,
  };
}

export const PROFILE: UserProfile = { timeZone: 'Europe/Paris', locale: 'en' };

export const PREFERENCES: Preferences = defaultPreferences();

export function pushMessage(overrides: Partial<PushMessage> = {}): PushMessage {
  return {
    userId: 'user-42',
    notificationId: 'cand-0001',
    category: 'content',
    content: { title: 'New article', body: 'Read what Ada wrote', data: { nid: 'cand-0001', category: 'content' } },
    urgency: 'normal',
    expiresAt: addMs(NOW, hours(2)),
    ttlMs: 2 * 3600_000,
    collapseKey: 'content',
    replaceTag: 'content',
    threadId: 'content',
    locale: 'en',
    direction: 'ltr',
    ...overrides,
  };
}

/** 64 hex characters, like an APNs device token. */
export function apnsToken(n: number): string {
  return n.toString(16).padStart(2, '0').repeat(32);
}
