// POST /v1/notifications/{id}/events: receipts and engagement (delivered, opened, engaged, converted),
// stored once per (notification, type) and signalled to the recipient's workflow.
import { forgetNotificationEvent } from '../adapters/notification-events';
import { operation, type Operation } from '../operation';
import { HttpProblem, temporalUnavailable } from '../problem';
import { notificationEventInput, notificationEventResult, notificationPath } from '../schemas';
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
        'The recipient is found from the decision log; give `userId` when the receipt may arrive before the ' +
        'send is logged. The first event of each type per notification counts; a repeat answers `duplicate`.',
      scope: 'events:write',
      params: notificationPath,
      body: notificationEventInput,
      responses: { 202: { description: 'Recorded (or a duplicate).', schema: notificationEventResult } },
      async handle({ params, body, now }) {
        const sent = await repos.decisions.findSent(params.id);
        if (sent !== null && body.userId !== undefined && body.userId !== sent.userId) {
          throw new HttpProblem(409, 'wrong-recipient', `notification ${params.id} was sent to another user`);
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
        const event = { notificationId: params.id, type: body.type, at: body.at ?? now };
        const reply = (status: 'recorded' | 'duplicate') => ({
          status: 202,
          body: { notificationId: params.id, userId, type: body.type, status },
        });
        if (!(await repos.notificationEvents.record(userId, event))) return reply('duplicate');
        try {
          await workflows.notificationEvent(userId, event);
        } catch (error) {
          await forgetNotificationEvent(services.pool, params.id, body.type);
          if (error instanceof WorkflowsUnavailableError) throw temporalUnavailable(services.retryAfterSeconds);
          throw error;
        }
        return reply('recorded');
      },
    }),
  ];
}
