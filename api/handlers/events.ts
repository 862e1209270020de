// POST /v1/events and /v1/events:batch, durable first (docs/ingestion.md): the answer follows one PostgreSQL statement
// that stores each new event in full with its idempotency row and queues what its user workflow must receive (the
// catalog's signal: the candidates the rules made). The dispatcher (workers/dispatcher/) hands it to the workflow
// afterwards, in order per user; Temporal being down delays it and loses nothing. A repeated id answers `duplicate`.
import type { EpochMs, UserEvent } from '../../domain/types';
import { operation, type Operation } from '../operation';
import { clampClientTime, clientTimeOr400, futureTimeError } from '../client-time';
import { HttpProblem, validationProblem } from '../problem';
import { assertRoomForWork } from '../ingest';
import {
  eventResult,
  eventsBatchInput,
  eventsBatchResult,
  MAX_BATCH_EVENTS,
  problemResponse,
  userEventInput,
} from '../schemas';
import type { ApiServices } from '../services';
import { eventOutcome, needsAttributes, noRuleNote, type EventOutcome } from '../event-matching';
import { recordSessions } from '../sessions';
import type { z } from 'zod';
import { nth, present } from '../../domain/present';

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
    'An earlier version of the API is applying the same event id right now (only during an upgrade): retry after ' +
    'Retry-After seconds (the retry answers `duplicate` once it was applied, or applies it if that request failed).',
  schema: problemResponse,
  contentType: 'application/problem+json',
};

export function eventOperations(services: ApiServices): Operation[] {
  const { repos, metrics } = services;
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
      'again. The answer follows the durable write (the event is stored and queued for the user’s workflow, which ' +
      'gets it within moments, also when Temporal is briefly unreachable). On 503 nothing was written; retry with ' +
      'the same id.',
    scope: 'events:write',
    body: userEventInput,
    responses: {
      202: { description: 'Accepted (or a duplicate of an accepted event).', schema: eventResult },
      409: IN_FLIGHT_RESPONSE,
    },
    async handle({ body, now }) {
      const event = toUserEvent(body, clientTimeOr400(body.occurredAt, now, 'occurredAt'));
      const outcome = nth(await outcomesOf(services, [event], now), 0);
      await assertRoomForWork(services.ingest, services.retryAfterSeconds);
      const [status] = await repos.ingest.acceptEvents(
        [{ userId: event.userId, eventId: event.id, event, signal: outcome.signal }],
        claimOptions(now),
      );
      if (status === 'applied') {
        metrics.eventsAccepted.inc({ outcome: 'duplicate' });
        return { status: 202, body: answer(event, 'duplicate', outcome) };
      }
      if (status === 'in-flight') {
        metrics.eventsAccepted.inc({ outcome: 'in_flight' });
        throw inFlight(services, `event ${event.id} is being applied by another request; retry shortly`);
      }
      if (outcome.signal !== null) services.ingest.accepted();
      await recordEngagement(services, [event], [outcome]);
      metrics.eventsAccepted.inc({ outcome: 'accepted' });
      return { status: 202, body: answer(event, 'accepted', outcome) };
    },
  });

  const batch = operation({
    operationId: 'sendEventsBatch',
    method: 'post',
    path: '/v1/events:batch',
    tag: 'events',
    summary: `Send up to ${MAX_BATCH_EVENTS} user events`,
    description:
      'Each event is idempotent on (userId, id); events of one user are applied in the order given. All are ' +
      'stored and queued in one statement: on 503 nothing was written; retry the whole batch with the same ids.',
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
      const events = body.events.map((input, index) =>
        toUserEvent(input, present(times[index], 'an occurredAt checked above')),
      );
      const matched = await outcomesOf(services, events, now);
      await assertRoomForWork(services.ingest, services.retryAfterSeconds);
      const outcomes = await repos.ingest.acceptEvents(
        events.map((event, index) => ({
          userId: event.userId,
          eventId: event.id,
          event,
          signal: nth(matched, index).signal,
        })),
        claimOptions(now),
      );
      const accepted = (index: number) => outcomes[index] === 'claimed';
      if (events.some((_, index) => accepted(index) && nth(matched, index).signal !== null)) services.ingest.accepted();
      const engaged = events.flatMap((event, index) =>
        accepted(index) && nth(matched, index).engagement ? [event] : [],
      );
      await recordEngagement(
        services,
        engaged,
        engaged.map(() => ({ engagement: true }) as EventOutcome),
      );
      const statuses: EventStatus[] = outcomes.map((outcome) => (outcome === 'claimed' ? 'accepted' : 'duplicate'));
      const busy = outcomes.filter((outcome) => outcome === 'in-flight').length;
      metrics.eventsAccepted.inc({ outcome: 'accepted' }, outcomes.filter((o) => o === 'claimed').length);
      metrics.eventsAccepted.inc({ outcome: 'duplicate' }, outcomes.filter((o) => o === 'applied').length);
      if (busy > 0) {
        metrics.eventsAccepted.inc({ outcome: 'in_flight' }, busy);
        throw inFlight(
          services,
          `${busy} of these events are being applied by another request (the others were accepted); retry the ` +
            'batch shortly: the accepted ones answer `duplicate`',
        );
      }
      return {
        status: 202,
        body: {
          accepted: statuses.filter((s) => s === 'accepted').length,
          duplicates: statuses.filter((s) => s === 'duplicate').length,
          results: events.map((event, index) => answer(event, nth(statuses, index), nth(matched, index))),
        },
      };
    },
  });

  return [single, batch];
}
