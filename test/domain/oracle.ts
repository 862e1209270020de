// An independent statement of the policy rules at the moment of a send, for the property tests. It reads
// local time straight from Intl (not through domain/time.ts) so a bug there cannot hide itself.
import { categoryPolicy } from '../../domain/config';
import { DEFAULT_POLICY } from '../../domain/config';
import type { PolicyConfig } from '../../domain/config';
import type { Candidate, Channel, EpochMs, Preferences, SendRecord } from '../../domain/types';
import { present } from '../../domain/present';

const DAY = 86_400_000;

export interface OracleUser {
  timeZone: string;
  preferences: Preferences;
  userSince: EpochMs;
  lastEngagementAt?: EpochMs | undefined;
  /** Every send so far, never pruned. */
  history: SendRecord[];
}

export function localDate(at: EpochMs, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function localMinute(at: EpochMs, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string): number =>
    Number(
      present(
        parts.find((p) => p.type === type),
        'the parts entry where p.type === type',
      ).value,
    );
  return get('hour') * 60 + get('minute');
}

export function isQuiet(at: EpochMs, timeZone: string, prefs: Preferences, config: PolicyConfig): boolean {
  if (prefs.nightDelivery) return false;
  const { start, end } = prefs.quietHours ?? config.defaultQuietHours;
  if (start === end) return false;
  const m = localMinute(at, timeZone);
  return start < end ? m >= start && m < end : m >= start || m < end;
}

/** Every rule the send of `candidate` at `at` on `channels` breaks (empty when it is allowed). */
export function violations(
  user: OracleUser,
  candidate: Candidate,
  channels: Channel[],
  at: EpochMs,
  config: PolicyConfig = DEFAULT_POLICY,
): string[] {
  const broken: string[] = [];
  const policy = categoryPolicy(config, candidate.category);
  const cls = policy.priorityClass;
  const critical = cls === 'critical';
  const budgeted = cls === 'normal' || cls === 'promotional';
  const prefs = user.preferences;
  const classOf = (s: SendRecord) => categoryPolicy(config, s.category).priorityClass;
  const past = user.history.filter((s) => s.at <= at);

  if (at >= candidate.expiresAt) broken.push('expired');
  if (candidate.notBefore !== undefined && at < candidate.notBefore) broken.push('before notBefore');
  if (prefs.globalOptOut && !critical) broken.push('global opt-out');
  if (prefs.optedOutCategories.includes(candidate.category)) broken.push('category opt-out');
  const expected = policy.channels.filter((c) => !prefs.optedOutChannels.includes(c));
  if (expected.length === 0 || JSON.stringify(expected) !== JSON.stringify(channels)) broken.push('channels');
  if (!critical && isQuiet(at, user.timeZone, prefs, config)) broken.push('quiet hours');
  if (!critical && past.some((s) => classOf(s) !== 'critical' && s.at > at - config.cooldownMs)) {
    broken.push('cooldown');
  }
  if (budgeted) {
    const budgetedPast = past.filter((s) => ['normal', 'promotional'].includes(classOf(s)));
    const lastTen = past.slice(-config.lowResponderWindow);
    const lowResponder = lastTen.length >= config.lowResponderWindow && lastTen.every((s) => s.openedAt === undefined);
    const cap = lowResponder ? Math.min(config.lowResponderDailyCap, config.dailyCap) : config.dailyCap;
    const today = localDate(at, user.timeZone);
    if (budgetedPast.filter((s) => localDate(s.at, user.timeZone) === today).length >= cap) {
      broken.push(lowResponder ? 'low-responder daily cap' : 'daily cap');
    }
    if (
      policy.weeklyCap !== null &&
      past.filter((s) => s.category === candidate.category && s.at > at - 7 * DAY).length >= policy.weeklyCap
    ) {
      broken.push('category cap');
    }
    const engaged = Math.max(user.lastEngagementAt ?? user.userSince, user.userSince);
    if (at - engaged >= config.dormantAfterMs) {
      if (candidate.businessValue < config.dormantMinBusinessValue) broken.push('dormant: low value');
      if (budgetedPast.filter((s) => s.at > at - 7 * DAY).length >= config.dormantWeeklyCap) {
        broken.push('dormant weekly cap');
      }
    }
  }
  return broken;
}
