// POST /v1/events and /v1/events:batch: idempotent on the client's event id, delivered to each
// user's workflow by signal-with-start. An id is claimed (pending) before its signal and marked applied only
// after the signal went through; a failed signal releases the claim, so a retry with the same id applies it. A
// repeat while the first request is still signalling answers 409 + Retry-After, never a premature `duplicate`.
import type { EventKey } from '../../db/events-accepted';
import type { EpochMs, UserEvent } from '../../domain/types';
import { operation, type Operation } from '../operation';
import { clampClientTime, clientTimeOr400, futureTimeError } from '../client-time';
import { HttpProblem, temporalUnavailable, validationProblem } from '../problem';
import {
  eventResult,
  eventsBatchInput,
  eventsBatchResult,
  MAX_BATCH_EVENTS,
  problemResponse,
  userEventInput,
} from '../schemas';
import type { ApiServices } from '../services';
import { WorkflowsUnavailableError } from '../workflow-gateway';
import { eventOutcome, needsAttributes, noRuleNote, type EventOutcome } from '../event-matching';
import { recordSessions } from '../sessions';
import type { UserEventSignal } from '../../workflows/definitions';
import type { z } from 'zod';

type EventInput = z.output<typeof userEventInput>;
type EventStatus = 'accepted' | 'duplicate';

function toUserEvent(input: EventInput, occurredAt: EpochMs): UserEvent {
  return {
    id: input.id,
    userId: input.userId,
    type: input.type,
    occurredAt,
    properties: input.properties ?? {},
  };
}

function keyOf(event: UserEvent): EventKey {
  return { userId: event.userId, eventId: event.id };
}

/** The rules and candidates of each event (attributes read once per user, and only when some rule needs them). */
async function outcomesOf(services: ApiServices, events: UserEvent[], now: EpochMs): Promise<EventOutcome[]> {
  const attributes = new Map<string, Record<string, unknown>>();
  const outcomes: EventOutcome[] = [];
  for (const event of events) {
    let userAttributes = attributes.get(event.userId);
    if (userAttributes === undefined && needsAttributes(services.catalog, event.type)) {
      userAttributes = (await services.repos.users.get(event.userId))?.attributes ?? {};
      attributes.set(event.userId, userAttributes);
    }
    outcomes.push(eventOutcome(services.catalog, event, now, userAttributes ?? {}));
  }
  return outcomes;
}

function answer(event: UserEvent, status: EventStatus, outcome: EventOutcome): z.output<typeof eventResult> {
  const note = noRuleNote(outcome, event.type);
  return {
    id: event.id,
    userId: event.userId,
    status,
    candidateIds: outcome.candidateIds,
    matchedRules: outcome.matchedRules,
    ...(note === undefined ? {} : { note }),
  };
}

/** Counts the engagement events among these (the user must have a profile: sessions need its time zone). */
async function recordEngagement(services: ApiServices, events: UserEvent[], outcomes: EventOutcome[]): Promise<void> {
  const byUser = new Map<string, EpochMs[]>();
  events.forEach((event, index) => {
    if (!outcomes[index]?.engagement) return;
    byUser.set(event.userId, [...(byUser.get(event.userId) ?? []), event.occurredAt]);
  });
  for (const [userId, times] of byUser) await recordSessions(services, userId, times);
}

function inFlight(services: ApiServices, detail: string): HttpProblem {
  return new HttpProblem(409, 'event-in-flight', detail, { retryAfterSeconds: services.retryAfterSeconds });
}

const IN_FLIGHT_RESPONSE = {
  description:
    'Another request with the same event id is being applied right now: retry after Retry-After seconds ' +
    '(the retry answers `duplicate` once it was applied, or applies it if that request failed).',
  schema: problemResponse,
  contentType: 'application/problem+json',
};

export function eventOperations(services: ApiServices): Operation[] {
  const { repos, workflows, metrics } = services;
  const claimOptions = (now: EpochMs) => ({ now, staleAfterMs: services.claimStaleAfterMs });

  const single = operation({
    operationId: 'sendEvent',
    method: 'post',
    path: '/v1/events',
    tag: 'events',
    summary: 'Send one user event',
    description:
      'Answers the candidate ids the event produced and the catalog rules that matched (none: a `note` says so; the ' +
      'event is still accepted). Idempotent on (userId, id): a repeated id answers `duplicate` and is not applied ' +
      'again; a repeat while the first request is still being applied answers 409 with Retry-After. On 503 nothing ' +
      'was applied; retry with the same id.',
    scope: 'events:write',
    body: userEventInput,
    responses: {
      202: { description: 'Accepted (or a duplicate of an accepted event).', schema: eventResult },
      409: IN_FLIGHT_RESPONSE,
    },
    async handle({ body, now }) {
      const event = toUserEvent(body, clientTimeOr400(body.occurredAt, now, 'occurredAt'));
      const [outcome] = await outcomesOf(services, [event], now);
      const { claim, outcomes } = await repos.acceptedEvents.claim(event.userId, event.id, claimOptions(now));
      if (outcomes[0] === 'applied') {
        metrics.eventsAccepted.inc({ outcome: 'duplicate' });
        return { status: 202, body: answer(event, 'duplicate', outcome!) };
      }
      if (outcomes[0] === 'in-flight') {
        metrics.eventsAccepted.inc({ outcome: 'in_flight' });
        throw inFlight(services, `event ${event.id} is being applied by another request; retry shortly`);
      }
      try {
        // No candidate, nothing for the workflow to do: no signal, no Temporal action.
        if (outcome!.signal !== null) await workflows.sendEvent(outcome!.signal);
        await recordEngagement(services, [event], [outcome!]);
      } catch (error) {
        await repos.acceptedEvents.releaseClaims([keyOf(event)], claim);
        if (error instanceof WorkflowsUnavailableError) throw temporalUnavailable(services.retryAfterSeconds);
        throw error;
      }
      await repos.acceptedEvents.markApplied([keyOf(event)], claim, now);
      metrics.eventsAccepted.inc({ outcome: 'accepted' });
      return { status: 202, body: answer(event, 'accepted', outcome!) };
    },
  });

  const batch = operation({
    operationId: 'sendEventsBatch',
    method: 'post',
    path: '/v1/events:batch',
    tag: 'events',
    summary: `Send up to ${MAX_BATCH_EVENTS} user events`,
    description:
      'Each event is idempotent on (userId, id); events of one user are applied in the order given. ' +
      'On 503 the events not yet applied were released: retry the whole batch with the same ids ' +
      '(those already applied answer `duplicate`). When another request is applying one of these ids right now, ' +
      'nothing is applied and the answer is 409 with Retry-After: retry the whole batch.',
    scope: 'events:write',
    body: eventsBatchInput,
    bodyKind: 'batch',
    responses: {
      202: { description: 'Every event accepted or a duplicate.', schema: eventsBatchResult },
      409: IN_FLIGHT_RESPONSE,
    },
    async handle({ body, now }) {
      const times = body.events.map((input) => clampClientTime(input.occurredAt, now));
      const tooLate = times.flatMap((time, index) =>
        time === null ? [futureTimeError(`events[${index}].occurredAt`)] : [],
      );
      if (tooLate.length > 0) throw validationProblem(tooLate);
      const events = body.events.map((input, index) => toUserEvent(input, times[index]!));
      const matched = await outcomesOf(services, events, now);
      const { claim, outcomes } = await repos.acceptedEvents.claimMany(events.map(keyOf), claimOptions(now));
      const claimed = events.filter((_, index) => outcomes[index] === 'claimed');
      const busy = outcomes.filter((outcome) => outcome === 'in-flight').length;
      if (busy > 0) {
        // Applying the rest now could overtake a user's in-flight event: the batch is retried whole.
        await repos.acceptedEvents.releaseClaims(claimed.map(keyOf), claim);
        metrics.eventsAccepted.inc({ outcome: 'in_flight' }, busy);
        throw inFlight(
          services,
          `${busy} of these events are being applied by another request; retry the batch shortly`,
        );
      }
      const statuses: EventStatus[] = outcomes.map((outcome) => (outcome === 'claimed' ? 'accepted' : 'duplicate'));
      const signals = events.flatMap((_, index) =>
        outcomes[index] === 'claimed' && matched[index]!.signal !== null ? [matched[index]!.signal] : [],
      );
      const failed = await signalInOrder(services, signals);
      const unsent = new Set(failed.keys.map((key) => JSON.stringify([key.userId, key.eventId])));
      const sent = claimed.filter((event) => !unsent.has(JSON.stringify([event.userId, event.id])));
      const engaged = events.filter((event, index) => outcomes[index] === 'claimed' && matched[index]!.engagement);
      await recordEngagement(
        services,
        engaged.filter((event) => !unsent.has(JSON.stringify([event.userId, event.id]))),
        engaged.map(() => ({ engagement: true }) as EventOutcome),
      );
      await repos.acceptedEvents.markApplied(sent.map(keyOf), claim, now);
      await repos.acceptedEvents.releaseClaims(failed.keys, claim);
      const applied = sent.length;
      metrics.eventsAccepted.inc({ outcome: 'accepted' }, applied);
      metrics.eventsAccepted.inc({ outcome: 'duplicate' }, statuses.filter((s) => s === 'duplicate').length);
      if (failed.error !== undefined) {
        if (failed.error instanceof WorkflowsUnavailableError) {
          throw new HttpProblem(
            503,
            'temporal-unavailable',
            `the workflow service (Temporal) is unreachable: ${applied} of ${events.length} events were applied, ` +
              `${failed.keys.length} were not; retry the whole batch with the same ids`,
            { retryAfterSeconds: services.retryAfterSeconds },
          );
        }
        throw failed.error;
      }
      return {
        status: 202,
        body: {
          accepted: statuses.filter((s) => s === 'accepted').length,
          duplicates: statuses.filter((s) => s === 'duplicate').length,
          results: events.map((event, index) => answer(event, statuses[index]!, matched[index]!)),
        },
      };
    },
  });

  return [single, batch];
}

/**
 * Signals the events, users in parallel (bounded) and each user's events in order. After a user's
 * first failure its later events are not sent (they would overtake it). Returns the unsent keys.
 */
async function signalInOrder(
  services: ApiServices,
  events: UserEventSignal[],
): Promise<{ keys: EventKey[]; error?: Error }> {
  const byUser = new Map<string, UserEventSignal[]>();
  for (const event of events) {
    const list = byUser.get(event.userId);
    if (list) list.push(event);
    else byUser.set(event.userId, [event]);
  }
  const queues = [...byUser.values()];
  const unsent: EventKey[] = [];
  let firstError: Error | undefined;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < queues.length) {
      const queue = queues[next++]!;
      // Once Temporal is known to be down, waiting out a deadline per user gains nothing.
      if (firstError instanceof WorkflowsUnavailableError) {
        for (const event of queue) unsent.push({ userId: event.userId, eventId: event.id });
        continue;
      }
      for (let index = 0; index < queue.length; index += 1) {
        try {
          await services.workflows.sendEvent(queue[index]!);
        } catch (error) {
          firstError ??= error instanceof Error ? error : new Error(String(error));
          for (const event of queue.slice(index)) unsent.push({ userId: event.userId, eventId: event.id });
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(services.signalConcurrency, queues.length) }, lane));
  return firstError === undefined ? { keys: unsent } : { keys: unsent, error: firstError };
}
