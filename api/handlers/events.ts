// POST /v1/events and /v1/events:batch: idempotent on the client's event id, delivered to each
// user's workflow by signal-with-start. An event is marked accepted only once its signal went
// through: when Temporal is unreachable the mark is released, so a retry with the same id applies it.
import type { EventKey } from '../../db/events-accepted';
import type { EpochMs, UserEvent } from '../../domain/types';
import { operation, type Operation } from '../operation';
import { HttpProblem, temporalUnavailable } from '../problem';
import { eventResult, eventsBatchInput, eventsBatchResult, MAX_BATCH_EVENTS, userEventInput } from '../schemas';
import type { ApiServices } from '../services';
import { WorkflowsUnavailableError } from '../workflow-gateway';
import type { z } from 'zod';

type EventInput = z.output<typeof userEventInput>;
type EventStatus = 'accepted' | 'duplicate';

function toUserEvent(input: EventInput, now: EpochMs): UserEvent {
  return {
    id: input.id,
    userId: input.userId,
    type: input.type,
    occurredAt: input.occurredAt ?? now,
    properties: input.properties ?? {},
  };
}

export function eventOperations(services: ApiServices): Operation[] {
  const { repos, workflows, metrics } = services;

  const single = operation({
    operationId: 'sendEvent',
    method: 'post',
    path: '/v1/events',
    tag: 'events',
    summary: 'Send one user event',
    description:
      'Idempotent on (userId, id): a repeated id answers `duplicate` and is not applied again. ' +
      'On 503 nothing was applied; retry with the same id.',
    scope: 'events:write',
    body: userEventInput,
    responses: { 202: { description: 'Accepted (or a duplicate of an accepted event).', schema: eventResult } },
    async handle({ body, now }) {
      const event = toUserEvent(body, now);
      const fresh = await repos.acceptedEvents.accept(event.userId, event.id, now);
      if (!fresh) {
        metrics.eventsAccepted.inc({ outcome: 'duplicate' });
        return { status: 202, body: { id: event.id, userId: event.userId, status: 'duplicate' } };
      }
      try {
        await workflows.sendEvent(event);
      } catch (error) {
        await repos.acceptedEvents.release(event.userId, event.id);
        if (error instanceof WorkflowsUnavailableError) throw temporalUnavailable(services.retryAfterSeconds);
        throw error;
      }
      metrics.eventsAccepted.inc({ outcome: 'accepted' });
      return { status: 202, body: { id: event.id, userId: event.userId, status: 'accepted' } };
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
      '(those already applied answer `duplicate`).',
    scope: 'events:write',
    body: eventsBatchInput,
    bodyKind: 'batch',
    responses: { 202: { description: 'Every event accepted or a duplicate.', schema: eventsBatchResult } },
    async handle({ body, now }) {
      const events = body.events.map((input) => toUserEvent(input, now));
      const fresh = await repos.acceptedEvents.acceptMany(
        events.map((event) => ({ userId: event.userId, eventId: event.id })),
        now,
      );
      const statuses: EventStatus[] = fresh.map((isFresh) => (isFresh ? 'accepted' : 'duplicate'));
      const failed = await signalInOrder(
        services,
        events.filter((_, index) => fresh[index]),
      );
      if (failed.keys.length > 0) {
        await Promise.all(failed.keys.map((key) => repos.acceptedEvents.release(key.userId, key.eventId)));
      }
      const applied = fresh.filter(Boolean).length - failed.keys.length;
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
          results: events.map((event, index) => ({ id: event.id, userId: event.userId, status: statuses[index]! })),
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
  events: UserEvent[],
): Promise<{ keys: EventKey[]; error?: unknown }> {
  const byUser = new Map<string, UserEvent[]>();
  for (const event of events) {
    const list = byUser.get(event.userId);
    if (list) list.push(event);
    else byUser.set(event.userId, [event]);
  }
  const queues = [...byUser.values()];
  const unsent: EventKey[] = [];
  let firstError: unknown;
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
          firstError ??= error;
          for (const event of queue.slice(index)) unsent.push({ userId: event.userId, eventId: event.id });
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(services.signalConcurrency, queues.length) }, lane));
  return firstError === undefined ? { keys: unsent } : { keys: unsent, error: firstError };
}
