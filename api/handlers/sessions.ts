// POST /v1/users/{id}/sessions: the user opened the app. Aggregated in PostgreSQL; the workflow hears of it at once
// only when it ends the user's dormancy (api/sessions.ts), else with the next activity it runs anyway.
import type { EpochMs } from '../../domain/types';
import { clampClientTime, futureTimeError } from '../client-time';
import { operation, type Operation } from '../operation';
import { validationProblem } from '../problem';
import { sessionsInput, sessionsResult, userPath } from '../schemas';
import { recordSessions } from '../sessions';
import type { ApiServices } from '../services';
import { unknownUser } from './users';

export function sessionOperations(services: ApiServices): Operation[] {
  return [
    operation({
      operationId: 'recordSessions',
      method: 'post',
      path: '/v1/users/{id}/sessions',
      tag: 'users',
      summary: 'Report that the user opened the app',
      description:
        'Feeds send-time learning and the dormancy and low-responder rules. Costs no Temporal action unless the ' +
        'user was dormant (then their workflow is told at once, since a waiting notification may now go out); ' +
        'otherwise the workflow receives the aggregate with its next step. The user needs a stored profile.',
      scope: 'events:write',
      params: userPath,
      body: sessionsInput,
      bodyKind: 'batch',
      responses: { 202: { description: 'Recorded.', schema: sessionsResult } },
      async handle({ params, body, now }) {
        const reported = body.sessions?.map((s) => s.at) ?? [body.at];
        const times = reported.map((at) => clampClientTime(at, now));
        const late = times.flatMap((time, index) =>
          time === null ? [futureTimeError(body.sessions === undefined ? 'at' : `sessions[${index}].at`)] : [],
        );
        if (late.length > 0) throw validationProblem(late);
        const accepted = times.filter((time): time is EpochMs => time !== null);
        const recorded = await recordSessions(services, params.id, accepted);
        if (recorded === null) throw unknownUser(params.id);
        return {
          status: 202,
          body: {
            userId: params.id,
            recorded: times.length,
            sessions: recorded.sessions,
            signalled: recorded.signalled,
          },
        };
      },
    }),
  ];
}
