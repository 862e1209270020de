/**
 * Temporal actions per user per day for a standard day (20 signals: 15 user events of which 8 trigger
 * candidates, 3 app opens, 2 notification opens; 2–3 sends), counted from the real histories of the
 * user workflow on the time-skipping server by Temporal Cloud's billing rules:
 * workflow started (incl. continue-as-new runs), signals (a signal-with-start that starts counts the
 * start and the signal), timers started, activity attempts (scheduled + retries), search-attribute
 * upserts, memo upserts, local activities (1 per workflow task that ran any). Queries are not counted.
 * Three profiles (see PROFILES); `BENCH_PROFILES=local` runs one.
 */
import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities, createDryRunDeliver, InMemoryDecisionStore, serverClock } from '../activities';
import { TactUserClient } from '../api/user-client';
import { defaultApiCatalog } from '../api/app';
import { eventOutcome } from '../api/event-matching';
import { addSession, nextLocalTime, sessionEndsDormancy, type SessionAggregate } from '../domain';
import { formatLocal } from '../workflows/ops-view';
import type { EpochMs, UserEvent } from '../domain/types';
import { minuteOfDay, addMs, minutes, days, epochMs, hours, subMs } from '../domain/units';
import { userWorkflowId } from '../workflows/definitions';
import { startTactTestWorker } from '../test/support/tact-test-env';
import { nth } from '../domain/present';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ActionBreakdown {
  workflowStarts: number;
  continueAsNew: number;
  signals: number;
  timers: number;
  activityAttempts: Record<string, number>;
  upserts: number;
  memoUpserts: number;
  localActivityTasks: number;
  historyEvents: number;
}

export function emptyBreakdown(): ActionBreakdown {
  return {
    workflowStarts: 0,
    continueAsNew: 0,
    signals: 0,
    timers: 0,
    activityAttempts: {},
    upserts: 0,
    memoUpserts: 0,
    localActivityTasks: 0,
    historyEvents: 0,
  };
}

export function totalActions(b: ActionBreakdown): number {
  const activities = Object.values(b.activityAttempts).reduce((a, n) => a + n, 0);
  return (
    b.workflowStarts +
    b.continueAsNew +
    b.signals +
    b.timers +
    activities +
    b.upserts +
    b.memoUpserts +
    b.localActivityTasks
  );
}

/** Adds the actions of `events` (one run's history, or a slice of it) to `into`. */
export function countActions(events: HistoryEvent[], into: ActionBreakdown = emptyBreakdown()): ActionBreakdown {
  const activityTypes = new Map<string, string>();
  let localActivityInTask = false;
  for (const e of events) {
    into.historyEvents += 1;
    if (e.workflowExecutionStartedEventAttributes) {
      if (e.workflowExecutionStartedEventAttributes.continuedExecutionRunId) into.continueAsNew += 1;
      else into.workflowStarts += 1;
    }
    if (e.workflowExecutionSignaledEventAttributes) into.signals += 1;
    if (e.timerStartedEventAttributes) into.timers += 1;
    if (e.activityTaskScheduledEventAttributes) {
      activityTypes.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    }
    if (e.activityTaskStartedEventAttributes) {
      // Written once, for the last attempt: its attempt number counts every retry before it.
      const type = activityTypes.get(String(e.activityTaskStartedEventAttributes.scheduledEventId)) ?? '?';
      into.activityAttempts[type] =
        (into.activityAttempts[type] ?? 0) + (e.activityTaskStartedEventAttributes.attempt ?? 1);
    }
    if (e.upsertWorkflowSearchAttributesEventAttributes) into.upserts += 1;
    if (e.workflowPropertiesModifiedEventAttributes) into.memoUpserts += 1;
    if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') localActivityInTask = true;
    if (e.workflowTaskCompletedEventAttributes) {
      if (localActivityInTask) into.localActivityTasks += 1;
      localActivityInTask = false;
    }
  }
  return into;
}

interface Step {
  at: EpochMs;
  userId: string;
  send: (users: TactUserClient) => Promise<void>;
}

const TIME_ZONES = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'America/Sao_Paulo', 'Australia/Sydney'];
const DAYS = 3;

/**
 * Two user profiles over the same 20-signal day, each user in one of TIME_ZONES and sending its signals at local
 * times of that zone:
 * - `utc` (the first profile this bench measured): the workflows are never told the users' time zone, so they plan
 *   on UTC days and UTC quiet hours while events follow local times, and every signal lands on a whole minute
 *   of a round local time;
 * - `local`: each user's time zone is set (one profile signal before the first day), and each user's signals come
 *   a few minutes off the round times, as real traffic does, so they do not coincide with planned send times.
 */
interface Profile {
  name: 'utc' | 'local' | 'sessions';
  setsTimeZone: boolean;
  /**
   * Ingestion as the API does it now: events are matched against the catalog by the API and signalled only when they
   * make a candidate (api/event-matching.ts), and app opens go to the sessions endpoint, which aggregates them and
   * signals only one that ends a dormancy (api/sessions.ts); the activities hand the aggregate to the workflow. Run
   * in process with the same functions (no HTTP or PostgreSQL: the aggregate is kept in memory).
   */
  viaApi?: boolean;
  /** Minutes added to the step'th signal of user `user`: deterministic, within ±6. */
  jitter: (user: number, step: number) => number;
}

const localJitter = (user: number, step: number) => ((user * 7 + step * 5) % 13) - 6;
export const PROFILES: Profile[] = [
  { name: 'utc', setsTimeZone: false, jitter: () => 0 },
  { name: 'local', setsTimeZone: true, jitter: localJitter },
  { name: 'sessions', setsTimeZone: true, jitter: localJitter, viaApi: true },
];

/** How a step reaches the workflow: every event and app open signalled (the old API), or as the API does now. */
interface Ingest {
  event(users: TactUserClient, event: UserEvent): Promise<void>;
  appOpen(users: TactUserClient, userId: string, at: EpochMs): Promise<void>;
}

const SIGNAL_EVERYTHING: Ingest = {
  event: (users, event) => users.sendEvent(event),
  appOpen: (users, userId, at) => users.appOpened(userId, at),
};

/** The sessions aggregated by the bench's stand-in for PostgreSQL (`user_sessions`). */
const storedSessions = new Map<string, SessionAggregate>();

function viaApi(timeZoneOf: (userId: string) => string, userSince: EpochMs): Ingest {
  const catalog = defaultApiCatalog();
  return {
    async event(users, event) {
      const { signal } = eventOutcome(catalog, event, event.occurredAt, {});
      if (signal !== null) await users.sendEvent(signal);
    },
    async appOpen(users, userId, at) {
      const before = storedSessions.get(userId) ?? null;
      const after = addSession(before, at, timeZoneOf(userId));
      storedSessions.set(userId, after);
      const dormancyEnds = sessionEndsDormancy(
        before?.lastAt ?? null,
        userSince,
        at,
        catalog.ruleSet.policy.dormantAfterMs,
      );
      if (dormancyEnds) await users.appOpened(userId, at, after);
    },
  };
}

/** 20 signals in a user's local day. */
function standardDay(
  userId: string,
  tz: string,
  dayStart: EpochMs,
  day: number,
  jitter: (step: number) => number,
  ingest: Ingest,
): Step[] {
  const steps: Step[] = [];
  const at = (h: number, m: number): EpochMs =>
    addMs(nextLocalTime(dayStart, tz, minuteOfDay(h * 60 + m)), minutes(jitter(steps.length)));
  const event = (h: number, m: number, type: string, properties: UserEvent['properties']): void => {
    const t = at(h, m);
    const e: UserEvent = { id: `bench-${randomUUID()}`, userId, type, occurredAt: t, properties };
    steps.push({ at: t, userId, send: (users) => ingest.event(users, e) });
  };
  const appOpen = (h: number, m: number): void => {
    const t = at(h, m);
    steps.push({ at: t, userId, send: (users) => ingest.appOpen(users, userId, t) });
  };
  // A receipt for the latest send when there is one (an app open otherwise): the 20 signals stay 20.
  const openLatest = (h: number, m: number): void => {
    const t = at(h, m);
    steps.push({
      at: t,
      userId,
      send: async (users) => {
        const state = await users.state(userId);
        const last = state?.recentSends.at(-1);
        if (last) await users.notificationEvent(userId, { notificationId: last.notificationId, type: 'opened', at: t });
        else await ingest.appOpen(users, userId, t);
      },
    });
  };
  const d = `d${day}`;
  appOpen(7, 45);
  event(8, 30, 'page_viewed', { page: 'home' });
  event(9, 10, 'friend_joined', { friendId: `${d}-f1`, friendName: 'Ana' });
  event(10, 0, 'item_viewed', { itemId: 'i1' });
  event(11, 20, 'new_content', { contentId: `${d}-c1`, title: 'News' });
  appOpen(12, 15);
  event(12, 40, 'comment_reply', { threadId: `${d}-t1`, authorName: 'Bo', replyCount: 1 });
  event(13, 30, 'item_purchased', { itemId: 'i1' });
  event(14, 10, 'streak_at_risk', { streakDay: d, streakLength: 5 });
  event(15, 0, 'page_viewed', { page: 'settings' });
  event(15, 45, 'cart_abandoned', { cartId: `${d}-cart`, itemCount: 2 });
  event(16, 20, 'search', { q: 'shoes' });
  openLatest(17, 0);
  event(17, 30, 'new_content', { contentId: `${d}-c2`, title: 'More' });
  event(18, 10, 'item_viewed', { itemId: 'i2' });
  appOpen(19, 0);
  event(19, 30, 'promo_available', { promoId: `${d}-p`, discountPercent: 15 });
  event(20, 15, 'friend_joined', { friendId: `${d}-f2`, friendName: 'Cy' });
  openLatest(21, 0);
  event(21, 30, 'page_viewed', { page: 'feed' });
  return steps;
}

/** The activities this bench runs the user workflow with (dry-run delivery, sessions kept in memory). */
export function benchActivities(decisions: InMemoryDecisionStore): ReturnType<typeof createActivities> {
  return createActivities({
    decisions,
    deliver: createDryRunDeliver(serverClock),
    now: serverClock,
    handover: { sessions: { load: async (userId) => storedSessions.get(userId) ?? null } },
  });
}

export async function run(): Promise<void> {
  const taskQueue = `bench-actions-${randomUUID().slice(0, 8)}`;
  const decisions = new InMemoryDecisionStore();
  const tact = await startTactTestWorker(benchActivities(decisions), taskQueue);
  const { env } = tact;
  try {
    const users = new TactUserClient(env.client, { taskQueue });
    const wanted = (process.env.BENCH_PROFILES ?? 'utc,local,sessions').split(',').map((p) => p.trim());
    for (const profile of PROFILES.filter((p) => wanted.includes(p.name))) {
      await measure(env, users, decisions, profile);
    }
  } finally {
    await tact.stop();
  }
}

/** Runs a profile's days, prints its table and returns the average TOTAL actions per user-day (days 2+). */
export async function measure(
  env: TestWorkflowEnvironment,
  users: TactUserClient,
  decisions: InMemoryDecisionStore,
  profile: Profile,
): Promise<number> {
  const now = epochMs(await env.currentTimeMs());
  const plans = TIME_ZONES.map((tz, i) => {
    const userId = `bench-${profile.name}-${i}-${randomUUID().slice(0, 6)}`;
    const first = nextLocalTime(addMs(now, minutes(60)), tz, minuteOfDay(0));
    const dayStarts = Array.from({ length: DAYS + 1 }, (_, d) =>
      nextLocalTime(subMs(addMs(first, days(d)), hours(1)), tz, minuteOfDay(0)),
    );
    return { userId, tz, dayStarts, index: i };
  });
  if (profile.setsTimeZone) {
    for (const p of plans) await users.updateProfile(p.userId, { timeZone: p.tz });
  }
  const zones = new Map(plans.map((p) => [p.userId, p.tz]));
  const ingest = profile.viaApi ? viaApi((userId) => zones.get(userId) ?? 'UTC', now) : SIGNAL_EVERYTHING;
  const steps = plans
    .flatMap((p) =>
      p.dayStarts
        .slice(0, DAYS)
        .flatMap((start, day) =>
          standardDay(p.userId, p.tz, start, day, (step) => profile.jitter(p.index, step), ingest),
        ),
    )
    .sort((a, b) => a.at - b.at);
  for (const step of steps) {
    const current = await env.currentTimeMs();
    if (step.at > current) await env.sleep(step.at - current);
    await step.send(users);
  }
  const end = Math.max(...plans.map((p) => nth(p.dayStarts, DAYS)));
  const current = await env.currentTimeMs();
  if (end > current) await env.sleep(end - current);

  const perDay: ActionBreakdown[][] = [];
  const outcomes: Record<string, number> = {};
  let sends = 0;
  for (const p of plans) {
    const events = await allRuns(env.client, p.userId);
    perDay.push(
      p.dayStarts.slice(0, DAYS).map((start, d) => {
        const stop = nth(p.dayStarts, d + 1);
        return countActions(events.filter((e) => inDay(e, start, stop, d === 0)));
      }),
    );
    sends += decisions.decisionsFor(p.userId).filter((d) => d.outcome.kind === 'sent').length;
    for (const d of decisions.decisionsFor(p.userId)) {
      const key = d.outcome.kind === 'sent' ? 'sent' : d.outcome.reason;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
  }
  console.log(
    `\nprofile "${profile.name}"${profile.setsTimeZone ? ' (time zones set, signals off the round minute)' : ' (workflows on UTC, signals on round local times)'}`,
  );
  const laterDays = report(perDay, sends / (plans.length * DAYS));
  console.log(`outcomes recorded: ${JSON.stringify(outcomes)}`);
  if (process.env.BENCH_TRACE === '1') trace(await allRuns(env.client, nth(plans, 0).userId), nth(plans, 0).tz);
  return laterDays;
}

/** A protobuf Timestamp or Duration in ms (seconds arrive as a Long or a number, depending on the decoder). */
export function protoMs(
  t: { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined,
): EpochMs {
  const seconds = t?.seconds;
  return epochMs(
    (seconds === undefined || seconds === null ? 0 : Number(String(seconds)) * 1000) +
      Math.floor((t?.nanos ?? 0) / 1e6),
  );
}

function inDay(e: HistoryEvent, start: EpochMs, stop: EpochMs, first: boolean): boolean {
  const at = protoMs(e.eventTime);
  return (first || at >= start) && at < stop;
}

/** Every event of every run of a workflow (the user's by default), along its continue-as-new chain. */
export async function allRuns(
  client: import('@temporalio/client').Client,
  userId: string,
  workflowId = userWorkflowId(userId),
): Promise<HistoryEvent[]> {
  const latest = await client.workflow.getHandle(workflowId).fetchHistory();
  let runId: string | null | undefined =
    latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
  const events: HistoryEvent[] = [];
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    events.push(...(history.events ?? []));
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return events;
}

/** `BENCH_TRACE=1`: the first user's billable history events in local time, to see where actions go. */
function trace(events: HistoryEvent[], tz: string): void {
  const activityTypes = new Map<string, string>();
  for (const e of events) {
    const at = formatLocal(protoMs(e.eventTime), tz);
    const a = e.activityTaskScheduledEventAttributes;
    if (a) activityTypes.set(String(e.eventId), a.activityType?.name ?? '?');
    const line = e.workflowExecutionSignaledEventAttributes
      ? `signal ${e.workflowExecutionSignaledEventAttributes.signalName}`
      : e.timerStartedEventAttributes
        ? `timer ${e.timerStartedEventAttributes.timerId} +${Math.round(protoMs(e.timerStartedEventAttributes.startToFireTimeout) / 60_000)} min: ${summaryOf(e)}`
        : e.timerFiredEventAttributes
          ? `  (timer ${e.timerFiredEventAttributes.timerId} fired)`
          : e.timerCanceledEventAttributes
            ? `  (timer ${e.timerCanceledEventAttributes.timerId} canceled)`
            : a
              ? `activity ${a.activityType?.name}: ${summaryOf(e)}`
              : e.upsertWorkflowSearchAttributesEventAttributes
                ? `upsert ${Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {}).join(',')}`
                : e.workflowExecutionContinuedAsNewEventAttributes
                  ? 'continue-as-new'
                  : null;
    if (line) console.log(`${at}  ${line}`);
  }
}

function summaryOf(e: HistoryEvent): string {
  const data = e.userMetadata?.summary?.data;
  return data ? String(JSON.parse(Buffer.from(data).toString('utf8'))) : '';
}

/** Listed even when a day has none, so the table's rows stay in one order. */
const USER_WORKFLOW_ACTIVITIES = ['loadUserSettings', 'sendNotification', 'recordDecisions'];

function report(perDay: ActionBreakdown[][], sendsPerUserDay: number): number {
  const average = (rows: ActionBreakdown[]): Record<string, number> => {
    const sum: Record<string, number> = {};
    for (const b of rows) {
      const flat: Record<string, number> = {
        signals: b.signals,
        'workflow started': b.workflowStarts,
        'continue-as-new': b.continueAsNew,
        timers: b.timers,
        ...Object.fromEntries(
          [...new Set([...USER_WORKFLOW_ACTIVITIES, ...Object.keys(b.activityAttempts)])].map((k) => [
            `activity ${k}`,
            b.activityAttempts[k] ?? 0,
          ]),
        ),
        'search-attribute upserts': b.upserts,
        'memo upserts': b.memoUpserts,
        'local-activity tasks': b.localActivityTasks,
        'TOTAL actions': totalActions(b),
        'history events': b.historyEvents,
      };
      for (const [k, v] of Object.entries(flat)) sum[k] = (sum[k] ?? 0) + v;
    }
    return Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v / rows.length]));
  };
  const firstDays = average(perDay.map((u) => nth(u, 0)));
  const laterDays = average(perDay.flatMap((u) => u.slice(1)));
  const keys = [...new Set([...Object.keys(firstDays), ...Object.keys(laterDays)])];
  console.log(`users: ${perDay.length}, days: ${DAYS}, sends per user-day: ${sendsPerUserDay.toFixed(2)}`);
  console.log(`${'per user-day'.padEnd(30)} ${'day 1 (start)'.padStart(14)} ${'days 2+'.padStart(10)}`);
  for (const k of keys) {
    console.log(
      `${k.padEnd(30)} ${(firstDays[k] ?? 0).toFixed(2).padStart(14)} ${(laterDays[k] ?? 0).toFixed(2).padStart(10)}`,
    );
  }
  console.log('goal: ≤ 20 actions per user-day with app opens through the sessions endpoint (profile "sessions")');
  return laterDays['TOTAL actions'] ?? 0;
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
