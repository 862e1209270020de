// The rules every policy's sends are checked against, stated independently of the planner (local time straight
// from Intl): quiet hours 22:00–07:00 for non-critical, nothing after an opt-out, nothing expired, the daily cap per
// local calendar day and the rolling 7-day category caps for normal/promotional, and, for policies that claim it,
// the cooldown between non-critical sends.
import { categoryPolicy, type PolicyConfig } from '../domain/config';
import type { Candidate, EpochMs } from '../domain/types';
import { nth, present } from '../domain/present';

export interface CheckedSend {
  candidate: Candidate;
  at: EpochMs;
  optedOutBefore: boolean;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function local(at: EpochMs, timeZone: string): { date: string; hour: number } {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(at);
  const get = (type: string): string =>
    present(
      parts.find((p) => p.type === type),
      `the ${type} part`,
    ).value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) };
}

export function ruleViolations(
  sends: readonly CheckedSend[],
  timeZone: string,
  config: PolicyConfig,
  cooldown: boolean,
): string[] {
  const broken: string[] = [];
  // Each send's local date and hour, asked of Intl once (every later send compares its date with them).
  const locals = sends.map((s) => local(s.at, timeZone));
  sends.forEach((send, i) => {
    const cls = categoryPolicy(config, send.candidate.category).priorityClass;
    const budgeted = cls === 'normal' || cls === 'promotional';
    const { date, hour } = nth(locals, i);
    const what = `${send.candidate.id} at ${new Date(send.at).toISOString()}`;
    if (cls !== 'critical' && (hour >= 22 || hour < 7)) broken.push(`quiet hours: ${what}`);
    if (send.optedOutBefore && cls !== 'critical') broken.push(`after opt-out: ${what}`);
    if (send.at >= send.candidate.expiresAt) broken.push(`expired: ${what}`);
    const earlier = sends.slice(0, i);
    if (budgeted) {
      const sameDay = earlier.filter((s, j) => {
        const c = categoryPolicy(config, s.candidate.category).priorityClass;
        return (c === 'normal' || c === 'promotional') && nth(locals, j).date === date;
      }).length;
      if (sameDay >= config.dailyCap) broken.push(`daily cap: ${what}`);
      const cap = categoryPolicy(config, send.candidate.category).weeklyCap;
      const week = earlier.filter(
        (s) => s.candidate.category === send.candidate.category && s.at > send.at - 7 * 86_400_000,
      ).length;
      if (cap !== null && week >= cap) broken.push(`category cap: ${what}`);
    }
    if (cooldown && cls !== 'critical') {
      const last = earlier
        .filter((s) => categoryPolicy(config, s.candidate.category).priorityClass !== 'critical')
        .at(-1);
      if (last !== undefined && send.at - last.at < config.cooldownMs) broken.push(`cooldown: ${what}`);
    }
  });
  return broken;
}
