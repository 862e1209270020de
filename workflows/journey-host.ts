// The user workflow's side of journeys (docs/product.md §12): who is enrolled, enrollment rules (one active run per
// journey, re-entry period, none while opted out), which events each run receives, exits (the run's pending
// candidates are withdrawn in the same pass as the exit event), and the numbered messages waiting to be signalled to
// each run. Pure state changes; user-workflow.ts performs the starts and signals (journeyEffects).
import { msToNumber } from '@temporalio/common';
import type { Candidate, Decision, EpochMs, UserEvent } from '../domain/types';
import type { JourneyDefinition } from '../journeys/define';
import {
  journeyRunId,
  type EnrollmentSource,
  type JourneyEndReason,
  type JourneyInput,
  type JourneyMessage,
  type JourneyReport,
  type JourneyUser,
} from '../journeys/definitions';

/** An enrollment a service, a campaign or the API's event matching asks for. */
export interface EnrollRequest {
  journey: string;
  source: EnrollmentSource;
  at: EpochMs;
  data?: Record<string, unknown>;
}

export interface ActiveJourneyRun {
  runId: string;
  journey: string;
  version: number;
  enrolledAt: EpochMs;
  /** The step of the run's last proposal (or `enrolled`). */
  step: string;
  /** Set once an exit event or a stop is on its way: proposals after it are refused. */
  ending?: JourneyEndReason;
  /** The last message number given to the run. */
  seq: number;
  /** Messages numbered but not yet signalled, oldest first. */
  outbox: JourneyMessage[];
  /** Present until the loop has started the run: how it was enrolled. */
  start?: { source: EnrollmentSource; data: Record<string, unknown> };
  /** The engagement time last told to the run, to tell it again only when it changed. */
  toldEngagementAt?: EpochMs;
}

export interface JourneyHostState {
  active: ActiveJourneyRun[];
  /** Journey → how many runs the user has had (the run id's last part). */
  enrollments: Record<string, number>;
  /** Journey → the user's last enrollment, for the re-entry period. */
  lastEnrolledAt: Record<string, EpochMs>;
  /** Journey decisions not yet told to their run (conclude adds them). */
  decided: Decision[];
  /** The last enrollments refused, newest last (bounded): for the state query. */
  refused: { journey: string; at: EpochMs; why: string }[];
  ended: { runId: string; journey: string; reason: JourneyEndReason; at: EpochMs }[];
}

const MAX_REFUSED_SHOWN = 20;
const MAX_ENDED_SHOWN = 20;

export function emptyJourneyHost(): JourneyHostState {
  return { active: [], enrollments: {}, lastEnrolledAt: {}, decided: [], refused: [], ended: [] };
}

/** What journey-host needs from the user state (kept structural, so user-state.ts does not import this at run time). */
export interface HostedUser {
  userId: string;
  profile: JourneyUser['profile'];
  preferences: { globalOptOut: boolean };
  userSince: EpochMs;
  journeys?: JourneyHostState;
}

/** What the user workflow hosts journeys with: the journeys the worker runs and its own workflow id. */
export interface JourneyHosting {
  registry: Readonly<Record<string, JourneyDefinition>>;
  userWorkflowId: string;
}

export interface JourneyHostDeps {
  registry: Readonly<Record<string, JourneyDefinition>>;
  userWorkflowId: string;
  lastEngagementAt: EpochMs | undefined;
  /** Ends the run's pending candidates (the user state's withdraw). */
  withdraw(runId: string): void;
  /** Ends a refused proposal at once (never admitted). */
  refuse(candidate: Candidate, detail: string): void;
}

export function journeyUser(user: HostedUser, lastEngagementAt: EpochMs | undefined): JourneyUser {
  return {
    userId: user.userId,
    profile: user.profile,
    ...(lastEngagementAt === undefined ? {} : { lastEngagementAt }),
    userSince: user.userSince,
    globalOptOut: user.preferences.globalOptOut,
  };
}

function host(user: HostedUser): JourneyHostState {
  return (user.journeys ??= emptyJourneyHost());
}

/** A journey message before it is numbered. */
type UnnumberedMessage = JourneyMessage extends infer M ? (M extends JourneyMessage ? Omit<M, 'seq'> : never) : never;

function send(run: ActiveJourneyRun, message: UnnumberedMessage): void {
  run.seq += 1;
  run.outbox.push({ ...message, seq: run.seq });
}

/** Asks to enroll; refused (with why) when a run is active, within the re-entry period, or the user opted out. */
export function enroll(user: HostedUser, request: EnrollRequest, now: EpochMs, deps: JourneyHostDeps): string | null {
  const h = host(user);
  const definition = deps.registry[request.journey];
  const refuse = (why: string): null => {
    h.refused.push({ journey: request.journey, at: now, why });
    h.refused.splice(0, Math.max(0, h.refused.length - MAX_REFUSED_SHOWN));
    return null;
  };
  if (definition === undefined) return refuse('unknown journey');
  if (user.preferences.globalOptOut) return refuse('opted out');
  if (h.active.some((r) => r.journey === request.journey)) return refuse('already active');
  const last = h.lastEnrolledAt[request.journey];
  const reentry = msToNumber(definition.reentryAfter);
  if (last !== undefined && now - last < reentry)
    return refuse(`re-entry period until ${new Date(last + reentry).toISOString()}`);
  const n = (h.enrollments[request.journey] ?? 0) + 1;
  h.enrollments[request.journey] = n;
  h.lastEnrolledAt[request.journey] = now;
  const runId = journeyRunId(deps.userWorkflowId, request.journey, n);
  h.active.push({
    runId,
    journey: request.journey,
    version: definition.version,
    enrolledAt: now,
    step: 'enrolled',
    seq: 0,
    outbox: [],
    start: { source: request.source, data: request.data ?? {} },
    ...(deps.lastEngagementAt === undefined ? {} : { toldEngagementAt: deps.lastEngagementAt }),
  });
  return runId;
}

/** The start input of a run the loop has not started yet. */
export function startInput(
  user: HostedUser,
  run: ActiveJourneyRun & Required<Pick<ActiveJourneyRun, 'start'>>,
  userWorkflowId: string,
  lastEngagementAt: EpochMs | undefined,
): JourneyInput {
  return {
    journey: run.journey,
    version: run.version,
    userWorkflowId,
    enrolledAt: run.enrolledAt,
    source: run.start.source,
    data: run.start.data,
    user: journeyUser(user, lastEngagementAt),
  };
}

/** An event reached the user workflow: runs that listen get it; an exit event ends its runs and withdraws. */
export function onEvent(user: HostedUser, event: UserEvent, deps: JourneyHostDeps): void {
  for (const run of user.journeys?.active ?? []) {
    const definition = deps.registry[run.journey];
    if (definition === undefined || run.ending !== undefined) continue;
    const exits = definition.exit.events.includes(event.type);
    if (!exits && !definition.events.includes(event.type)) continue;
    send(run, { kind: 'event', event });
    if (exits) {
      run.ending = `exit:${event.type}`;
      deps.withdraw(run.runId);
    }
  }
}

/** After preferences changed: a global opt-out stops every run (its pending candidates were dropped as opted_out). */
export function onPreferences(user: HostedUser): void {
  if (!user.preferences.globalOptOut) return;
  for (const run of user.journeys?.active ?? []) {
    if (run.ending !== undefined) continue;
    run.ending = 'opted_out';
    send(run, { kind: 'stop', reason: 'opted_out' });
  }
}

/** After a profile change: runs learn the new zone (sleepUntilLocal re-plans) and locale. */
export function onProfile(user: HostedUser, before: JourneyUser['profile'], deps: JourneyHostDeps): void {
  if (before.timeZone === user.profile.timeZone && before.locale === user.profile.locale) return;
  for (const run of user.journeys?.active ?? []) {
    if (run.ending === undefined) send(run, { kind: 'user', user: journeyUser(user, deps.lastEngagementAt) });
  }
}

/** A run's report: a proposal is admitted only from a run still active and not ending; an end frees the journey. */
export function onReport(
  user: HostedUser,
  report: JourneyReport,
  now: EpochMs,
  deps: JourneyHostDeps,
): Candidate | null {
  const h = host(user);
  const run = h.active.find((r) => r.runId === report.runId);
  if (report.kind === 'ended') {
    if (run === undefined) return null;
    h.active = h.active.filter((r) => r !== run);
    deps.withdraw(run.runId);
    h.ended.push({ runId: run.runId, journey: run.journey, reason: report.reason, at: now });
    h.ended.splice(0, Math.max(0, h.ended.length - MAX_ENDED_SHOWN));
    return null;
  }
  const { candidate } = report;
  if (candidate.userId !== user.userId || candidate.source !== 'journey' || candidate.sourceId !== report.runId) {
    return null;
  }
  if (run === undefined || run.ending !== undefined) {
    deps.refuse(candidate, run === undefined ? 'journey run has ended' : `journey run is ending (${run.ending})`);
    return null;
  }
  run.step = report.step;
  return candidate;
}

/** Moves journey decisions into their runs' outboxes, and tells runs a changed engagement time (lifecycle stage). */
export function queueOutcomes(user: HostedUser, _hosting: JourneyHosting, lastEngagementAt: EpochMs | undefined): void {
  const h = user.journeys;
  if (h === undefined) return;
  for (const decision of h.decided.splice(0)) {
    const run = h.active.find((r) => r.runId === decision.provenance?.sourceId);
    if (run !== undefined) send(run, { kind: 'outcome', candidateId: decision.candidateId, outcome: decision.outcome });
  }
  for (const run of h.active) {
    if (run.outbox.length > 0 && run.ending === undefined && run.toldEngagementAt !== lastEngagementAt) {
      if (lastEngagementAt === undefined) delete run.toldEngagementAt;
      else run.toldEngagementAt = lastEngagementAt;
      send(run, { kind: 'user', user: journeyUser(user, lastEngagementAt) });
    }
  }
}
