// Journeys: POST /v1/users/{id}/journeys/{name} (a service enrolls a user; the user's workflow applies the rules),
// GET /v1/journeys and GET /v1/journeys/{name} (enrolled, active, exits by reason, completed, converted, and the
// sends and suppressions of the runs' candidates).
import type { z } from 'zod';
import type { JourneyStats } from '../../domain/journey-runs';
import { JOURNEYS } from '../../journeys/registry';
import type { JourneyDefinition } from '../../journeys/define';
import {
  emptyQuery,
  enrollInput,
  enrollResult,
  journeyPath,
  journeyStatsResponse,
  journeysResponse,
  userJourneyPath,
} from '../journey-schemas';
import { operation, type Operation } from '../operation';
import { HttpProblem, temporalUnavailable } from '../problem';
import type { ApiServices } from '../services';
import { WorkflowsUnavailableError } from '../workflow-gateway';

function definitionOf(name: string): JourneyDefinition {
  const definition = Object.hasOwn(JOURNEYS, name) ? JOURNEYS[name] : undefined;
  if (definition === undefined)
    throw new HttpProblem(404, 'unknown-journey', `no journey "${name}" (GET /v1/journeys)`);
  return definition;
}

function statsBody(
  definition: JourneyDefinition,
  stats: JourneyStats | undefined,
): z.output<typeof journeyStatsResponse> {
  return {
    journey: definition.name,
    version: definition.version,
    description: definition.description,
    enrolled: stats?.enrolled ?? 0,
    active: stats?.active ?? 0,
    completed: stats?.completed ?? 0,
    exited: stats?.exited ?? {},
    converted: stats?.converted ?? 0,
    sends: stats?.sends ?? 0,
    suppressions: stats?.suppressions ?? {},
  };
}

export function journeyOperations(services: ApiServices): Operation[] {
  return [
    operation({
      operationId: 'enrollInJourney',
      method: 'post',
      path: '/v1/users/{id}/journeys/{name}',
      tag: 'journeys',
      summary: 'Enroll a user in a journey',
      description:
        'The user’s workflow applies the rules: at most one active run per journey, re-entry only after the ' +
        'journey’s period, none while globally opted out. A refused enrollment shows in the user’s state ' +
        '(`journeys.refused`). On 503 nothing was applied; retry.',
      scope: 'events:write',
      params: userJourneyPath,
      body: enrollInput,
      responses: { 202: { description: 'Handed to the user’s workflow.', schema: enrollResult } },
      async handle({ params, body }) {
        const definition = definitionOf(params.name);
        try {
          await services.workflows.enroll(params.id, {
            journey: definition.name,
            source: 'api',
            ...(body.data === undefined ? {} : { data: body.data }),
          });
        } catch (error) {
          // Nothing is stored for an enrollment: the caller retries.
          if (error instanceof WorkflowsUnavailableError) throw temporalUnavailable(services.retryAfterSeconds);
          throw error;
        }
        const result: z.output<typeof enrollResult> = {
          userId: params.id,
          journey: definition.name,
          status: 'accepted',
          note: 'the user workflow enrolls unless a run is active or the re-entry period has not passed',
        };
        return { status: 202, body: result };
      },
    }),
    operation({
      operationId: 'listJourneys',
      method: 'get',
      path: '/v1/journeys',
      tag: 'journeys',
      summary: 'Every journey with its runs and outcomes',
      scope: 'users:read',
      query: emptyQuery,
      responses: { 200: { description: 'One entry per journey the worker runs.', schema: journeysResponse } },
      async handle() {
        const stats = await services.repos.journeyRuns.stats();
        const body: z.output<typeof journeysResponse> = {
          journeys: Object.values(JOURNEYS).map((d) =>
            statsBody(
              d,
              stats.find((s) => s.journey === d.name),
            ),
          ),
        };
        return { status: 200, body };
      },
    }),
    operation({
      operationId: 'getJourney',
      method: 'get',
      path: '/v1/journeys/{name}',
      tag: 'journeys',
      summary: 'One journey: enrolled, active, exits by reason, completed, converted, sends, suppressions',
      scope: 'users:read',
      params: journeyPath,
      query: emptyQuery,
      responses: { 200: { description: 'The journey’s runs and outcomes.', schema: journeyStatsResponse } },
      async handle({ params }) {
        const definition = definitionOf(params.name);
        const [stats] = await services.repos.journeyRuns.stats(definition.name);
        return { status: 200, body: statsBody(definition, stats) };
      },
    }),
  ];
}
