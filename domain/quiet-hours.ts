// Quiet hours (docs/product.md §3): 22:00–07:00 local by default, custom windows (possibly crossing midnight),
// night-delivery opt-in. A window whose start equals its end is empty (no quiet hours).
import { DEFAULT_POLICY } from './config';
import type { PolicyConfig } from './config';
import { localParts, nextLocalTime } from './time';
import type { EpochMs, MinuteOfDay, Preferences, QuietHours } from './types';

/** The window that applies to this user, or null when they have none (night opt-in or an empty window). */
export function effectiveQuietHours(prefs: Preferences, config: PolicyConfig = DEFAULT_POLICY): QuietHours | null {
  if (prefs.nightDelivery) return null;
  const window = prefs.quietHours ?? config.defaultQuietHours;
  return window.start === window.end ? null : window;
}

/** Start inclusive, end exclusive; a window with start > end crosses midnight. */
export function minuteInWindow(minute: MinuteOfDay, window: QuietHours): boolean {
  return window.start < window.end
    ? minute >= window.start && minute < window.end
    : minute >= window.start || minute < window.end;
}

export function inQuietHours(
  at: EpochMs,
  tz: string,
  prefs: Preferences,
  config: PolicyConfig = DEFAULT_POLICY,
): boolean {
  const window = effectiveQuietHours(prefs, config);
  return window !== null && minuteInWindow(localParts(at, tz).minuteOfDay, window);
}

/** The first instant after `at` outside quiet hours, or null when `at` is not in quiet hours. */
export function quietHoursEnd(
  at: EpochMs,
  tz: string,
  prefs: Preferences,
  config: PolicyConfig = DEFAULT_POLICY,
): EpochMs | null {
  const window = effectiveQuietHours(prefs, config);
  if (window === null || !minuteInWindow(localParts(at, tz).minuteOfDay, window)) return null;
  return nextLocalTime(at, tz, window.end);
}

/**
 * When quiet hours next begin: `at` itself when it is inside them, else the next local start of the window; null
 * when the user has none. A non-critical send must not be attempted from then on.
 */
export function nextQuietHoursStart(
  at: EpochMs,
  tz: string,
  prefs: Preferences,
  config: PolicyConfig = DEFAULT_POLICY,
): EpochMs | null {
  const window = effectiveQuietHours(prefs, config);
  if (window === null) return null;
  return minuteInWindow(localParts(at, tz).minuteOfDay, window) ? at : nextLocalTime(at, tz, window.start);
}
