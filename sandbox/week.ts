// Plays the sandbox's users through the whole product, in time order on the server's skipping clock, and reads back
// each candidate's outcome: sent (channel, time), suppressed (reason, time) or still pending when the days end.
import { createHash } from 'node:crypto';
import { localParts, nextLocalTime, startOfLocalDay, startOfNextLocalDay } from '../domain/time';
import type { EpochMs } from '../domain/types';
import type { Sandbox } from './product';
import { parseLocal, type LocalTime, type SandboxInput, type SandboxUser } from './users';
import { nth } from '../domain/present';
import { epochMs, epochMsFromIso, EPOCH, hours, maxOf, subMs } from '../domain/units';

export interface CandidateOutcome {
  candidateId: string;
  category: string;
  outcome: 'sent' | 'suppressed' | 'pending';
  channel?: string;
  reason?: string;
  /** When it was sent or suppressed; for a pending one, its planned send time if it has one. */
  at: EpochMs | null;
}

export interface UserWeek {
  user: SandboxUser;
  outcomes: CandidateOutcome[];
}

/** `YYYY-MM-DD`: the first simulated day. */
export type StartDate = `${number}-${number}-${number}`;

/** The first instant of simulated day `day` in `timeZone`. */
export function dayStartFor(start: StartDate): (timeZone: string, day: number) => EpochMs {
  const [year, month, date] = start.split('-').map(Number) as [number, number, number];
  const target = dateKey({ year, month, day: date });
  return (timeZone, day) => {
    // 15 h before UTC midnight is on an earlier local date in every zone (offsets run from -12 h to +14 h).
    let at = startOfLocalDay(subMs(epochMs(Date.UTC(year, month - 1, date)), hours(15)), timeZone);
    while (dateKey(localParts(at, timeZone)) < target) at = startOfNextLocalDay(at, timeZone);
    for (let d = 0; d < day; d++) at = startOfNextLocalDay(at, timeZone);
    return at;
  };
}

function dateKey(p: { year: number; month: number; day: number }): number {
  return p.year * 10_000 + p.month * 100 + p.day;
}

/** The instant of a local time of the simulated days in the user's zone. */
export function instantOf(dayStart: (timeZone: string, day: number) => EpochMs, timeZone: string, at: LocalTime) {
  const { day, minuteOfDay } = parseLocal(at);
  const start = dayStart(timeZone, day);
  return minuteOfDay === 0 ? start : nextLocalTime(start, timeZone, minuteOfDay);
}

interface Step {
  at: EpochMs;
  user: SandboxUser;
  action: { kind: 'join' } | { kind: 'input'; input: SandboxInput };
}

export async function playDays(
  sandbox: Sandbox,
  users: readonly SandboxUser[],
  options: { start: StartDate; days: number; onDay?: (day: number) => void },
): Promise<UserWeek[]> {
  const dayStart = dayStartFor(options.start);
  const local = (user: SandboxUser, at: LocalTime) => instantOf(dayStart, user.timeZone, at);
  const steps: Step[] = users.flatMap((user) => [
    { at: local(user, user.joins), user, action: { kind: 'join' as const } },
    ...user.inputs.map((input) => ({ at: local(user, input.at), user, action: { kind: 'input' as const, input } })),
  ]);
  // Stable: steps at the same instant keep the file's order.
  steps.sort((a, b) => a.at - b.at);
  const end = users.reduce((last, user) => maxOf(last, dayStart(user.timeZone, options.days)), EPOCH);
  let day = -1;
  for (const step of steps) {
    if (step.at >= end) break;
    await sandbox.advanceTo(step.at);
    const today = Math.floor((step.at - nth(steps, 0).at) / 86_400_000);
    if (today > day) options.onDay?.((day = today));
    await perform(sandbox, step, (at) => local(step.user, at));
  }
  await sandbox.advanceTo(end);
  const weeks: UserWeek[] = [];
  for (const user of users) weeks.push({ user, outcomes: await outcomesOf(sandbox, user.id) });
  return weeks;
}

async function perform(sandbox: Sandbox, { user, action }: Step, local: (at: LocalTime) => EpochMs): Promise<void> {
  const id = encodeURIComponent(user.id);
  const iso = (at: LocalTime) => new Date(local(at)).toISOString();
  if (action.kind === 'join') {
    await sandbox.api('PUT', `/v1/users/${id}`, { timeZone: user.timeZone, locale: user.locale });
    if (user.push) {
      const token = createHash('sha256').update(user.id).digest('hex');
      await sandbox.api('PUT', `/v1/users/${id}/devices/${token}`, { platform: user.push });
    }
    if (user.email) await sandbox.api('PUT', `/v1/users/${id}/endpoints/email`, { address: user.email });
    if (user.phone) await sandbox.api('PUT', `/v1/users/${id}/endpoints/sms`, { phone: user.phone });
    return;
  }
  const { input } = action;
  if ('event' in input) {
    const { event } = input;
    await sandbox.api('POST', '/v1/events', {
      id: event.id,
      userId: user.id,
      type: event.type,
      ...(event.properties ? { properties: event.properties } : {}),
      ...(event.occurred ? { occurredAt: iso(event.occurred) } : {}),
    });
  } else if ('candidate' in input) {
    const { candidate } = input;
    await sandbox.api('POST', `/v1/users/${id}/candidates`, {
      id: candidate.id,
      category: candidate.category,
      template: candidate.template,
      variables: candidate.variables ?? {},
      businessValue: candidate.businessValue,
      ...(candidate.expires ? { expiresAt: iso(candidate.expires) } : {}),
      ...(candidate.ttl ? { ttl: candidate.ttl } : {}),
      ...(candidate.notBefore ? { notBefore: iso(candidate.notBefore) } : {}),
    });
  } else if ('opened' in input) {
    await sandbox.api('POST', `/v1/notifications/${encodeURIComponent(input.opened)}/events`, {
      type: 'opened',
      userId: user.id,
    });
  } else if ('session' in input) {
    await sandbox.api('POST', `/v1/users/${id}/sessions`, {});
  } else {
    await sandbox.api('PATCH', `/v1/users/${id}/preferences`, input.preferences);
  }
}

interface StateBody {
  inboxSize: number;
  queue: { id: string; category: string }[];
  nextPlannedSend: { at: string; candidateId: string } | null;
}
interface DecisionsBody {
  decisions: {
    candidateId: string;
    category: string;
    outcome: 'sent' | 'suppressed';
    channel?: string;
    reason?: string;
    at: string;
  }[];
  nextCursor?: string | null;
}

/** Every candidate's outcome, once the workflow has processed everything it was sent. */
async function outcomesOf(sandbox: Sandbox, userId: string): Promise<CandidateOutcome[]> {
  const id = encodeURIComponent(userId);
  let state = await sandbox.api<StateBody>('GET', `/v1/users/${id}/state`);
  for (let tries = 0; state.inboxSize > 0; tries++) {
    if (tries > 300) throw new Error(`user ${userId}: the workflow did not process its inbox`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    state = await sandbox.api<StateBody>('GET', `/v1/users/${id}/state`);
  }
  const logged: DecisionsBody['decisions'] = [];
  let cursor: string | null | undefined;
  do {
    const page = await sandbox.api<DecisionsBody>(
      'GET',
      `/v1/users/${id}/decisions?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    logged.push(...page.decisions);
    cursor = page.nextCursor;
  } while (cursor);
  const outcomes: CandidateOutcome[] = logged.map((d) => ({
    candidateId: d.candidateId,
    category: d.category,
    outcome: d.outcome,
    ...(d.channel ? { channel: d.channel } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    at: epochMsFromIso(d.at),
  }));
  for (const pending of state.queue) {
    if (outcomes.some((o) => o.candidateId === pending.id)) continue;
    const planned = state.nextPlannedSend?.candidateId === pending.id ? epochMsFromIso(state.nextPlannedSend.at) : null;
    outcomes.push({ candidateId: pending.id, category: pending.category, outcome: 'pending', at: planned });
  }
  return outcomes.sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity) || a.candidateId.localeCompare(b.candidateId));
}
