// The last look before a notification leaves (docs/product.md §3 "never delivered inside quiet hours", §4.5 "re-check
// every rule"): made by the send activity on every attempt, against the real send time and the user's current
// stored preferences, since a send planned on a snapshot can be retried long after it was planned.
import { categoryPolicy } from './config';
import type { PolicyConfig } from './config';
import { ineligibility } from './eligibility';
import { quietHoursEnd } from './quiet-hours';
import { formatLocalTime } from './time';
import type { Candidate, Channel, EpochMs, Preferences, SuppressionReason } from './types';

export type SendCheck =
  /** Send now, on these channels (the planned ones the user has not opted out of since). */
  | { kind: 'send'; channels: Channel[] }
  /** Inside quiet hours: not before `until`. */
  | { kind: 'defer'; until: EpochMs; why: string }
  /** The user's preferences no longer allow it at all. */
  | {
      kind: 'drop';
      reason: Extract<SuppressionReason, 'opted_out' | 'no_channel' | 'category_removed' | 'holdout' | 'expired'>;
      detail: string;
    };

export function checkAtSend(
  candidate: Candidate,
  plannedChannels: readonly Channel[],
  prefs: Preferences,
  timeZone: string,
  at: EpochMs,
  config: PolicyConfig,
): SendCheck {
  // Planned a moment before its expiry, delivered after it (the attempt's own latency, a retry): it must not go.
  if (candidate.expiresAt <= at)
    return { kind: 'drop', reason: 'expired', detail: 'expired before it could be delivered' };
  const notAllowed = ineligibility(candidate, prefs, config);
  if (notAllowed !== null) return { kind: 'drop', ...notAllowed };
  const channels = plannedChannels.filter((channel) => !prefs.optedOutChannels.includes(channel));
  if (channels.length === 0) {
    return { kind: 'drop', reason: 'no_channel', detail: 'every planned channel is opted out' };
  }
  if (categoryPolicy(config, candidate.category).priorityClass !== 'critical') {
    const until = quietHoursEnd(at, timeZone, prefs, config);
    if (until !== null) return { kind: 'defer', until, why: `quiet hours until ${formatLocalTime(until, timeZone)}` };
  }
  return { kind: 'send', channels };
}
