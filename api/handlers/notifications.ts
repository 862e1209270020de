// POST /v1/notifications/{id}/events: receipts and engagement (delivered, opened, engaged, converted),
// stored once per (notification, type) and signalled to the recipient's workflow.
import { AmbiguousNotificationError, type SentNotification } from '../../db/decisions';
import { clientTimeOr400 } from '../client-time';
import { operation, type Operation } from '../operation';
import { HttpProblem, temporalUnavailable } from '../problem';
import { notificationEventInput, notificationEventResult, notificationPath, problemResponse } from '../schemas';
import type { ApiServices } from '../services';
import { WorkflowsUnavailableError } from '../workflow-gateway';

export function notificationOperations(services: ApiServices): Operation[] {
  const { repos, workflows } = services;
  return [
    operation({
      operationId: 'postNotificationEvent',
      method: 'post',
      path: '/v1/notifications/{id}/events',
      tag: 'events',
      summary: 'Report a receipt or engagement for a sent notification',
      description:
        'The recipient is found from the decision log. Give `userId` when the receipt may arrive before the send ' +
        'is logged, or when the id may have gone to several users (notification ids derive from event ids, which ' +
        'are unique per user): without it such an id answers 409. The first event of each type per notification ' +
        'counts; a repeat answers `duplicate`.',
      scope: 'events:write',
      params: notificationPath,
      body: notificationEventInput,
      responses: {
        202: { description: 'Recorded (or a duplicate).', schema: notificationEventResult },
        409: {
          description:
            'The id went to several users: give `userId`; or the same receipt is being applied by another request ' +
            'right now: retry after Retry-After seconds.',
          schema: problemResponse,
          contentType: 'application/problem+json',
        },
      },
      async handle({ params, body, now }) {
        const at = clientTimeOr400(body.at, now, 'at');
        let sent: SentNotification | null;
        try {
          sent = await repos.decisions.findSent(params.id, body.userId);
        } catch (error) {
          if (!(error instanceof AmbiguousNotificationError)) throw error;
          throw new HttpProblem(409, 'ambiguous-notification', `${error.message} (give userId)`);
        }
        const userId = sent?.userId ?? body.userId;
        if (userId === undefined || (sent === null && !(await repos.users.exists(userId)))) {
          throw new HttpProblem(
            404,
            'unknown-notification',
            `no sent notification ${params.id}` +
              (body.userId === undefined ? ' (give userId if the send is not logged yet)' : ` for user ${body.userId}`),
          );
        }
        const event = { notificationId: params.id, type: body.type, at };
        const reply = (status: 'recorded' | 'duplicate') => ({
          status: 202,
          body: { notificationId: params.id, userId, type: body.type, status },
        });
        const receipts = repos.notificationEvents;
        const { outcome, claim } = await receipts.claim(userId, event, {
          now,
          staleAfterMs: services.claimStaleAfterMs,
        });
        if (outcome === 'applied') return reply('duplicate');
        if (outcome === 'in-flight') {
          throw new HttpProblem(
            409,
            'event-in-flight',
            `this ${body.type} event is being applied by another request; retry shortly`,
            { retryAfterSeconds: services.retryAfterSeconds },
          );
        }
        // Set while the claim is pending, so the funnel counts the value with the receipt when it is applied.
        if (body.value !== undefined) await repos.measurement.setConversionValue(userId, params.id, body.value);
        try {
          await workflows.notificationEvent(userId, event);
        } catch (error) {
          // Released, so that the client's retry is applied rather than taken for a duplicate.
          await receipts.release(userId, params.id, body.type, claim);
          if (error instanceof WorkflowsUnavailableError) throw temporalUnavailable(services.retryAfterSeconds);
          throw error;
        }
        await receipts.markApplied(userId, params.id, body.type, claim);
        return reply('recorded');
      },
    }),
  ];
}
