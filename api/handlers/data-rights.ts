// Data rights (GDPR/CCPA): erase a user (a durable erasure workflow: workflows/erasure) and export everything stored.
import { z } from 'zod';
import { exportUserRows, recordErasureRequested } from '../../db/user-data';
import { operation, type Operation } from '../operation';
import { HttpProblem, temporalUnavailable } from '../problem';
import { userPath } from '../schemas';
import type { ApiServices } from '../services';
import { WorkflowsUnavailableError } from '../workflow-gateway';

const erasureAccepted = z.object({
  userId: z.string(),
  status: z.literal('erasing'),
  erasureWorkflowId: z.string(),
});

const userExport = z.object({
  userId: z.string(),
  exportedAt: z.string(),
  stored: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
  workflowState: z.unknown().nullable(),
  liveState: z.enum(['included', 'no_workflow', 'unavailable']),
});

export function dataRightsOperations(services: ApiServices): Operation[] {
  const erasures = services.erasures;
  return [
    ...(erasures === undefined
      ? []
      : [
          operation({
            operationId: 'eraseUser',
            method: 'delete',
            path: '/v1/users/{id}',
            tag: 'users',
            summary: 'Erase a user',
            description:
              'Starts the erasure: the user workflows end, every stored row of the user is deleted (decisions are ' +
              'first folded into anonymous daily counts), and the user data key is shredded so their Temporal ' +
              'histories can no longer be decoded. Idempotent: repeating attaches to the running erasure, or ' +
              'erases again what was stored since. On 503 nothing started: repeat the request.',
            scope: 'users:write',
            params: userPath,
            responses: { 202: { description: 'The erasure is running.', schema: erasureAccepted } },
            async handle({ params, now }) {
              await services.repos.users.exists(params.id); // fails fast (503) while the database is down
              await recordErasureRequested(services.pool, params.id, now);
              let erasureWorkflowId: string;
              try {
                erasureWorkflowId = await erasures.start(params.id);
              } catch (error) {
                if (error instanceof WorkflowsUnavailableError) throw temporalUnavailable(services.retryAfterSeconds);
                throw error;
              }
              return { status: 202, body: { userId: params.id, status: 'erasing', erasureWorkflowId } };
            },
          }),
        ]),
    operation({
      operationId: 'exportUser',
      method: 'get',
      path: '/v1/users/{id}/export',
      tag: 'users',
      summary: 'Export everything stored about a user',
      description:
        'Every stored row of the user (profile, preferences, endpoints with full addresses, decisions, receipts, ' +
        'deliveries, outbox, accepted event ids) and the live state of their workflow. 404 when nothing is stored.',
      scope: 'users:read',
      params: userPath,
      responses: { 200: { description: 'The export.', schema: userExport } },
      async handle({ params, now }) {
        const stored = await exportUserRows(services.pool, params.id);
        // The API creates a user's workflow only alongside a stored row (an accepted event id at least), so no row
        // means no user: the workflow of an erased user is not queried (a worker's cache could still answer).
        if (Object.values(stored).every((rows) => rows.length === 0)) {
          throw new HttpProblem(404, 'unknown-user', `nothing is stored about user ${params.id}`);
        }
        let workflowState: unknown = null;
        let liveState: z.output<typeof userExport>['liveState'] = 'no_workflow';
        try {
          workflowState = await services.workflows.state(params.id);
          if (workflowState !== null) liveState = 'included';
        } catch (error) {
          if (!(error instanceof WorkflowsUnavailableError)) throw error;
          liveState = 'unavailable';
        }
        return {
          status: 200,
          body: { userId: params.id, exportedAt: new Date(now).toISOString(), stored, workflowState, liveState },
        };
      },
    }),
  ];
}
