// A small pure simulator: drives one user through time with the planner, the way the user workflow does
// (admit on arrival, drop on opt-out, re-plan, send when told, sleep until the planned time or the next event),
// and checks every send against the independent oracle.
import { categoryPolicy } from '../../domain/config';
import { DEFAULT_POLICY } from '../../domain/config';
import type { PolicyConfig } from '../../domain/config';
import { admit, dropOptedOut, plan, pruneSends, rememberAdmission } from '../../domain/planner';
import type { DedupeKeys, Plan, PlannerState } from '../../domain/planner';
import { defaultPreferences } from '../../domain/user-defaults';
import type { Candidate, Category, Decision, EpochMs, Preferences, Score, SendRecord } from '../../domain/types';
import { violations } from './oracle';
import { probability, addMs, durationMs, maxOf, minOf, NEVER } from '../../domain/units';
import { nth, present } from '../../domain/present';

export type SimEvent =
  | { kind: 'candidate'; at: EpochMs; candidate: Candidate; score: Omit<Score, 'candidateId'> }
  | { kind: 'preferences'; at: EpochMs; preferences: Preferences }
  | { kind: 'timeZone'; at: EpochMs; timeZone: string }
  | { kind: 'notificationOpen'; at: EpochMs }
  | { kind: 'appOpen'; at: EpochMs };

export interface Scenario {
  timeZone: string;
  preferences: Preferences;
  start: EpochMs;
  userSince: EpochMs;
  lastEngagementAt?: EpochMs | undefined;
  /** Sends before the simulation starts (already counted by the rules). */
  priorSends: SendRecord[];
  /** Sorted by time. */
  events: SimEvent[];
  config?: PolicyConfig;
}

/** Where a decision came from: admission, an opt-out, a plan's drops, or a send. */
export type Stage = 'admit' | 'preferences' | 'plan' | 'send';

export interface SimResult {
  /** One entry per candidate arrival, in arrival order: every outcome it got. */
  outcomesPerArrival: Decision['outcome'][][];
  sends: (SendRecord & { candidate: Candidate })[];
  decisions: (Decision & { stage: Stage })[];
  /** Rule violations found by the oracle at send time, and loop/progress problems. */
  problems: string[];
  /** Admitted candidate id → when it was admitted. */
  admittedAt: Map<string, EpochMs>;
  plans: number;
  waits: number;
  finalState: PlannerState;
}

const MAX_STEPS = 20_000;

export function simulate(
  scenario: Scenario,
  opts: { checkDeterminism?: boolean; oracleConfig?: PolicyConfig } = {},
): SimResult {
  const config = scenario.config ?? DEFAULT_POLICY;
  const oracleConfig = opts.oracleConfig ?? config;
  let state: PlannerState & { dedupeKeys: DedupeKeys } = {
    profile: { timeZone: scenario.timeZone, locale: 'en' },
    preferences: scenario.preferences,
    pending: [],
    sends: [...scenario.priorSends],
    userSince: scenario.userSince,
    // The population's send-time pattern: candidates held past their score's best time are re-timed with it.
    engagement: new Array<number>(168).fill(0),
    dedupeKeys: {},
    lastEngagementAt: scenario.lastEngagementAt,
  };
  const history: SendRecord[] = [...scenario.priorSends];
  const scores: Record<string, Score> = {};
  const admittedAt = new Map<string, EpochMs>();
  const arrivalOf = new Map<string, number>(); // admitted candidate id → arrival index
  const outcomesPerArrival: Decision['outcome'][][] = [];
  const decisions: SimResult['decisions'] = [];
  const sends: SimResult['sends'] = [];
  const problems: string[] = [];
  let plans = 0;
  let waits = 0;

  const record = (decision: Decision, stage: Stage, arrival?: number): void => {
    decisions.push({ ...decision, stage });
    const index = arrival ?? arrivalOf.get(decision.candidateId);
    if (index === undefined) {
      problems.push(`decision for unknown candidate ${decision.candidateId}`);
      return;
    }
    nth(outcomesPerArrival, index).push(decision.outcome);
  };

  const apply = (event: SimEvent, now: EpochMs): void => {
    switch (event.kind) {
      case 'candidate': {
        const arrival = outcomesPerArrival.push([]) - 1;
        const suppressed = admit(state, event.candidate, now, config);
        state = { ...state, dedupeKeys: rememberAdmission(state.dedupeKeys, event.candidate, suppressed, now, config) };
        if (suppressed !== null) {
          record(suppressed, 'admit', arrival);
          return;
        }
        arrivalOf.set(event.candidate.id, arrival);
        scores[event.candidate.id] = { candidateId: event.candidate.id, ...event.score };
        admittedAt.set(event.candidate.id, now);
        state = { ...state, pending: [...state.pending, event.candidate] };
        return;
      }
      case 'preferences': {
        state = { ...state, preferences: event.preferences };
        const { pending, drops } = dropOptedOut(state, now, config);
        drops.forEach((d) => record(d, 'preferences'));
        state = { ...state, pending };
        return;
      }
      case 'timeZone':
        state = { ...state, profile: { ...state.profile, timeZone: event.timeZone } };
        return;
      case 'notificationOpen': {
        const last = state.sends.at(-1);
        if (last !== undefined && last.openedAt === undefined) {
          const opened = { ...last, openedAt: now };
          state = { ...state, sends: [...state.sends.slice(0, -1), opened] };
          const inHistory = history.findIndex((s) => s.candidateId === last.candidateId);
          history[inHistory] = opened;
        }
        state = { ...state, lastEngagementAt: now };
        return;
      }
      case 'appOpen':
        state = { ...state, lastEngagementAt: now };
        return;
    }
  };

  const replan = (now: EpochMs): Plan => {
    plans++;
    const result = plan(state, scores, now, config);
    if (opts.checkDeterminism) {
      const again = plan(structuredClone(state), structuredClone(scores), now, config);
      const reversed = plan({ ...state, pending: [...state.pending].reverse() }, scores, now, config);
      if (JSON.stringify(again) !== JSON.stringify(result)) problems.push(`plan at ${now} not deterministic`);
      const byId = (a: Decision, b: Decision) => (a.candidateId < b.candidateId ? -1 : 1);
      if (
        JSON.stringify(reversed.action) !== JSON.stringify(result.action) ||
        JSON.stringify([...reversed.drops].sort(byId)) !== JSON.stringify([...result.drops].sort(byId))
      ) {
        problems.push(`plan at ${now} depends on the order of pending candidates`);
      }
    }
    return result;
  };

  let now = scenario.start;
  let next = 0;
  for (let step = 0; ; step++) {
    if (step > MAX_STEPS) {
      problems.push(`no progress after ${MAX_STEPS} steps at ${now}`);
      break;
    }
    while (next < scenario.events.length && present(scenario.events[next], 'scenario.events[next]').at <= now)
      apply(present(scenario.events[next++], 'scenario.events[next++]'), now);
    state = { ...state, sends: pruneSends(state.sends, now, config) };

    let result = replan(now);
    for (let sent = 0; ; sent++) {
      const dropped = new Set(result.drops.map((d) => d.candidateId));
      result.drops.forEach((d) => record(d, 'plan'));
      state = { ...state, pending: state.pending.filter((c) => !dropped.has(c.id)) };
      if (result.action.kind !== 'send') break;
      const { candidate, channels } = result.action;
      const broken = violations(
        {
          timeZone: state.profile.timeZone,
          preferences: state.preferences,
          userSince: state.userSince,
          lastEngagementAt: state.lastEngagementAt,
          history,
        },
        candidate,
        channels,
        now,
        oracleConfig,
      );
      if (broken.length > 0)
        problems.push(`sent ${candidate.id} (${candidate.category}) at ${now}: ${broken.join(', ')}`);
      if (!state.pending.some((c) => c.id === candidate.id))
        problems.push(`sent ${candidate.id}, which is not pending`);
      const send: SendRecord = {
        candidateId: candidate.id,
        category: candidate.category,
        channel: nth(channels, 0),
        at: now,
      };
      history.push(send);
      sends.push({ ...send, candidate });
      record(
        {
          candidateId: candidate.id,
          category: candidate.category,
          outcome: { kind: 'sent', channel: send.channel, at: now },
        },
        'send',
      );
      state = { ...state, pending: state.pending.filter((c) => c.id !== candidate.id), sends: [...state.sends, send] };
      if (sent > 1000) {
        problems.push('send loop');
        break;
      }
      result = replan(now);
    }

    const nextEventAt = scenario.events[next]?.at ?? NEVER;
    let wakeAt = nextEventAt;
    if (result.action.kind === 'wait') {
      waits++;
      if (!(result.action.until > now)) problems.push(`wait until ${result.action.until} is not after now ${now}`);
      wakeAt = minOf(wakeAt, result.action.until);
    } else if (state.pending.length > 0) {
      problems.push(`idle with ${state.pending.length} pending`);
    }
    if (wakeAt === Infinity) break;
    now = maxOf(wakeAt, addMs(now, durationMs(1)));
  }

  return { outcomesPerArrival, sends, decisions, problems, admittedAt, plans, waits, finalState: state };
}

export const NO_PREFS: Preferences = defaultPreferences();

let nextId = 0;
/** A candidate with the category's default TTL unless given. */
export function candidate(
  category: Category,
  createdAt: EpochMs,
  extra: Partial<Candidate> & { ttlMs?: number } = {},
  config: PolicyConfig = DEFAULT_POLICY,
): Candidate {
  const { ttlMs, ...rest } = extra;
  return {
    id: `c${++nextId}`,
    userId: 'user-1',
    category,
    template: `${category}.test`,
    variables: {},
    createdAt,
    expiresAt: addMs(createdAt, ttlMs === undefined ? categoryPolicy(config, category).ttlMs : durationMs(ttlMs)),
    businessValue: probability(0.5),
    source: 'event',
    ...rest,
  };
}
