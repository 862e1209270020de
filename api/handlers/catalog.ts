// GET /v1/catalog: what this deployment sends (categories, rules, templates, engagement events) and its version.
import type { z } from 'zod';
import { ruleId } from '../../domain/triggers';
import { operation, type Operation } from '../operation';
import { catalogResponse, emptyQuery } from '../schemas';
import type { ApiServices } from '../services';

export function catalogOperations(services: ApiServices): Operation[] {
  return [
    operation({
      operationId: 'getCatalog',
      method: 'get',
      path: '/v1/catalog',
      tag: 'reference',
      summary: 'The deployment’s catalog and its current version',
      scope: 'users:read',
      query: emptyQuery,
      responses: { 200: { description: 'The catalog in use.', schema: catalogResponse } },
      async handle() {
        const { catalog, ruleSet } = services.catalog;
        const body: z.output<typeof catalogResponse> = {
          version: { id: ruleSet.id, since: new Date(ruleSet.since).toISOString() },
          categories: Object.fromEntries(
            Object.entries(ruleSet.policy.categories).map(([name, c]) => [
              name,
              {
                class: c.priorityClass,
                channels: c.channels,
                weeklyCap: c.weeklyCap,
                ttlMs: c.ttlMs,
                sensitive: c.sensitive,
              },
            ]),
          ),
          triggers: catalog.triggers.map((rule) => ({
            id: ruleId(rule),
            eventType: rule.eventType,
            category: rule.category,
            template: rule.template,
          })),
          templates: Object.fromEntries(
            Object.entries(catalog.templates).map(([name, t]) => [
              name,
              {
                locales: t.locales,
                variables: Object.keys(t.variables),
                requiredVariables: Object.entries(t.variables)
                  .filter(([, v]) => v.required)
                  .map(([variable]) => variable),
              },
            ]),
          ),
          engagementEvents: catalog.engagementEvents,
          journeys: catalog.journeys.map((j) => ({ id: j.id })),
          experiments: catalog.experiments.map((e) => ({ id: e.id, variants: e.variants })),
        };
        return { status: 200, body };
      },
    }),
  ];
}
