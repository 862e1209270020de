// The journey workflow: one run per enrollment, a child of the user's workflow (journeys/README.md says why). It
// runs the journey's body with the helpers of journeys/api.ts, takes the user workflow's numbered messages (events,
// outcomes, profile changes, stop) in order and at most once, and reports proposals and its end back. An exit event
// or a stop cancels the body at once; otherwise the run ends when the body returns and every candidate it proposed
// has its outcome. Deterministic: workflow code.
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common';
import { assignVariant } from '../domain/experiments';
import { nextLocalTime, localParts, formatLocalTime } from '../domain/time';
import type { EpochMs, MinuteOfDay, UserEvent, DurationMs } from '../domain/types';
import { clampProbability, minuteOfDay, addMs, durationMs, maxOf, subMs } from '../domain/units';
import type { EventMatch, Journey, ProposalOutcome, ProposedCandidate } from './define';
import {
  journeyMessagesSignal,
  journeyReportSignal,
  journeyRunQuery,
  type JourneyEndReason,
  type JourneyActivities,
  type JourneyInput,
  type JourneyMessage,
  type JourneyRunView,
  type JourneyUser,
} from './definitions';

import { lifecycleStage } from './lifecycle';
import { JOURNEYS } from './registry';
import { TactJourneyStep } from '../workflows/search-attributes';
import { nth, present } from '../domain/present';
import { workflowNow } from '../workflows/now';

// Writes of the run's start and end to the journeys table: idempotent per run; the database may be down for a while,
// and stats must not lose a run, so attempts go on (1 s doubling to 5 min).
const { recordJourneyRun } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** Events a run keeps waiting to be taken by a wait; the oldest are forgotten beyond it. */
const MAX_BUFFERED_EVENTS = 100;

export async function journeyWorkflow(input: JourneyInput): Promise<JourneyEndReason> {
  const definition = JOURNEYS[input.journey];
  if (definition === undefined) throw new Error(`unknown journey "${input.journey}"`);
  const exitEvents = definition.exit.events;
  const runId = workflowInfo().workflowId;
  const parent = getExternalWorkflowHandle(input.userWorkflowId);

  let lastSeq = 0;
  let user: JourneyUser = input.user;
  let zoneChanges = 0;
  let stop: JourneyEndReason | null = null;
  const events: UserEvent[] = [];
  const outcomes = new Map<string, ProposalOutcome>();
  const proposed: string[] = [];
  const goals: { type: string; match?: EventMatch }[] = [];
  let converted = false;
  const view: JourneyRunView = {
    journey: definition.name,
    version: input.version,
    step: 'enrolled',
    waitingFor: null,
    until: null,
    enrolledAt: input.enrolledAt,
    converted: false,
    proposed: 0,
    outcomes: {},
  };

  const checkGoals = (event: UserEvent): void => {
    if (!converted && goals.some((g) => g.type === event.type && matches(event, g.match))) converted = true;
  };

  setHandler(journeyMessagesSignal, (messages) => {
    for (const message of [...messages].sort((a, b) => a.seq - b.seq)) {
      if (message.seq <= lastSeq) continue; // a re-delivered batch: already taken
      lastSeq = message.seq;
      take(message);
    }
  });
  setHandler(journeyRunQuery, () => ({ ...view, converted, proposed: proposed.length }));

  function take(message: JourneyMessage): void {
    switch (message.kind) {
      case 'event':
        if (exitEvents.includes(message.event.type)) {
          checkGoals(message.event);
          stop ??= `exit:${message.event.type}`;
          return;
        }
        checkGoals(message.event);
        events.push(message.event);
        if (events.length > MAX_BUFFERED_EVENTS) events.splice(0, events.length - MAX_BUFFERED_EVENTS);
        return;
      case 'outcome':
        outcomes.set(message.candidateId, message.outcome);
        view.outcomes[outcomeKey(message.outcome)] = (view.outcomes[outcomeKey(message.outcome)] ?? 0) + 1;
        return;
      case 'user':
        if (message.user.profile.timeZone !== user.profile.timeZone) zoneChanges += 1;
        user = message.user;
        return;
      case 'stop':
        stop ??= message.reason;
        return;
    }
  }

  const show = (waitingFor: string | null, until: EpochMs | null): void => {
    view.waitingFor = waitingFor;
    view.until = until;
    const parts = [`Step: ${view.step}`];
    if (waitingFor !== null) parts.push(`Waiting for: ${waitingFor}`);
    if (until !== null)
      parts.push(`Until: ${new Date(until).toISOString()} (${formatLocalTime(until, user.profile.timeZone)})`);
    parts.push(`Proposed: ${proposed.length}`, `Converted: ${converted ? 'yes' : 'no'}`);
    setCurrentDetails(parts.join('\n\n'));
  };

  const journey: Journey = {
    step(name) {
      view.step = name;
      upsertSearchAttributes([{ key: TactJourneyStep, value: name }]);
      show(null, null);
    },
    async waitForEvent(type, { within, match }) {
      if (!definition.events.includes(type))
        throw new Error(`journey ${definition.name} does not declare event "${type}"`);
      const until = addMs(workflowNow(), durationMs(msToNumber(within)));
      show(`event ${type}`, until);
      const found = (): number => events.findIndex((e) => e.type === type && matches(e, match));
      // Already here, or no time to wait: no timer.
      if (found() < 0 && until > workflowNow()) await condition(() => found() >= 0, until - workflowNow());
      show(null, null);
      const i = found();
      return i < 0 ? null : nth(events.splice(i, 1), 0);
    },
    async sleep(duration) {
      const ms = durationMs(msToNumber(duration));
      show('time', addMs(workflowNow(), ms));
      await sleepMs(ms);
      show(null, null);
    },
    async sleepUntilLocal(time, options = {}) {
      const minute = parseLocalTime(time);
      const windowMs = durationMs(msToNumber(options.window ?? '1h'));
      const from = workflowNow();
      for (;;) {
        const seenChanges = zoneChanges;
        const target = nextMatching(
          subMs(from, windowMs),
          user.profile.timeZone,
          minute,
          options.weekdays,
          workflowNow(),
          windowMs,
        );
        show(`${time} local (${user.profile.timeZone})`, target);
        const woke = await condition(() => zoneChanges !== seenChanges, Math.max(0, target - workflowNow()));
        if (!woke) break; // the time came
      }
      show(null, null);
    },
    async propose(candidate) {
      const id = `${runId}#${proposed.length + 1}`;
      proposed.push(id);
      view.proposed = proposed.length;
      await parent.signal(journeyReportSignal, {
        kind: 'propose',
        runId,
        step: view.step,
        candidate: toCandidate(id, runId, input.user.userId, candidate, view.step, definition.name),
      });
      show(null, null);
      return {
        candidateId: id,
        async outcome() {
          await condition(() => outcomes.has(id));
          return present(outcomes.get(id), 'the outcome the condition waited for');
        },
      };
    },
    user() {
      return {
        userId: user.userId,
        profile: user.profile,
        stage: lifecycleStage(user.lastEngagementAt, user.userSince, workflowNow()),
        lastEngagementAt: user.lastEngagementAt ?? null,
        data: input.data,
      };
    },
    goal(eventType, match) {
      if (!definition.events.includes(eventType) && !definition.exit.events.includes(eventType)) {
        throw new Error(`journey ${definition.name} does not declare event "${eventType}"`);
      }
      goals.push({ type: eventType, ...(match === undefined ? {} : { match }) });
      for (const event of events) checkGoals(event);
    },
    converted: () => converted,
    variant: (experiment, variants) =>
      assignVariant(input.user.userId, {
        id: experiment,
        variants: variants.map((v) => (typeof v === 'string' ? { name: v, weight: 1 } : v)),
      }),
    now: () => workflowNow(),
  };

  await recordJourneyRun({
    kind: 'enrolled',
    runId,
    journey: definition.name,
    version: input.version,
    userId: input.user.userId,
    at: input.enrolledAt,
    source: input.source,
  });
  show(null, null);

  const body = new CancellationScope();
  const running = body.run(() => definition.run(journey));
  let reason: JourneyEndReason;
  try {
    await Promise.race([running, condition(() => stop !== null)]);
    if (stop !== null) {
      body.cancel();
      await running.catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
      reason = stop;
    } else {
      // Done: the run stays until every candidate it proposed has its outcome (the user workflow tells it), so its
      // sends and suppressions count for it; a stop meanwhile ends it at once (the user workflow withdrew them).
      view.step = 'awaiting outcomes';
      show('outcomes of its candidates', null);
      await condition(() => stop !== null || proposed.every((id) => outcomes.has(id)));
      reason = stop ?? 'completed';
    }
  } catch (err) {
    if (!isCancellation(err) || stop === null) throw err;
    reason = stop;
  }
  view.step = 'ended';
  show(null, null);
  await recordJourneyRun({
    kind: 'ended',
    runId,
    journey: definition.name,
    version: input.version,
    userId: input.user.userId,
    at: workflowNow(),
    reason,
    converted,
  });
  if (!reason.startsWith('erased')) {
    await parent
      .signal(journeyReportSignal, { kind: 'ended', runId, reason, converted, at: workflowNow() })
      .catch(() => undefined);
  }
  return reason;
}

/** A sleep that a stop can cut short (the body's scope is cancelled). */
async function sleepMs(ms: number): Promise<void> {
  await condition(() => false, ms);
}

function matches(event: UserEvent, match: EventMatch | undefined): boolean {
  if (match === undefined) return true;
  return Object.entries(match).every(
    ([key, value]) => Object.hasOwn(event.properties, key) && event.properties[key] === value,
  );
}

function outcomeKey(outcome: ProposalOutcome): string {
  return outcome.kind === 'sent' ? 'sent' : outcome.reason;
}

function parseLocalTime(time: string): MinuteOfDay {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (m === null) throw new Error(`local time must be HH:MM, got "${time}"`);
  return minuteOfDay(Number(m[1]) * 60 + Number(m[2]));
}

/**
 * The next instant at `minute` local time, on an allowed weekday, not earlier than `now - windowMs` (a target the run
 * is still within the window of counts, so a zone change that moves it slightly into the past wakes at once).
 */
function nextMatching(
  after: EpochMs,
  timeZone: string,
  minute: MinuteOfDay,
  weekdays: number[] | undefined,
  now: EpochMs,
  windowMs: DurationMs,
): EpochMs {
  let at = nextLocalTime(maxOf(after, subMs(now, windowMs)), timeZone, minute);
  for (let i = 0; i < 8 && weekdays !== undefined && !weekdays.includes(localParts(at, timeZone).weekday); i++) {
    at = nextLocalTime(at, timeZone, minute);
  }
  return at;
}

function toCandidate(
  id: string,
  runId: string,
  userId: string,
  c: ProposedCandidate,
  step: string,
  journey: string,
): import('../domain/types').Candidate {
  const now = workflowNow();
  return {
    id,
    userId,
    category: c.category,
    template: c.template,
    variables: c.variables ?? {},
    ...(c.deepLink === undefined ? {} : { deepLink: c.deepLink }),
    createdAt: now,
    expiresAt: addMs(now, durationMs(msToNumber(c.ttl))),
    ...(c.notBefore === undefined ? {} : { notBefore: addMs(now, durationMs(msToNumber(c.notBefore))) }),
    ...(c.dedupeKey === undefined ? {} : { dedupeKey: c.dedupeKey }),
    businessValue: clampProbability(c.businessValue),
    source: 'journey',
    sourceId: runId,
    journey: { name: journey, step },
    ...(c.experiment === undefined ? {} : { experiment: c.experiment }),
    ...(c.variant === undefined ? {} : { variant: c.variant }),
  };
}
