// Measurement (docs/measurement.md): the funnel report, conversions reported without a notification, experiments
// (declared in the catalog or created here) and their results with lift against the control.
import type { DayRange } from '../../db/measurement';
import { experimentDefinition } from '../../domain/catalog';
import { CONTROL_VARIANT, GLOBAL_HOLDOUT_ID, type VariantWeight } from '../../domain/experiments';
import { funnelRows, type FunnelDimension } from '../../domain/funnel';
import { compareVariants } from '../../domain/lift';
import type { EpochMs } from '../../domain/types';
import { clientTimeOr400 } from '../client-time';
import {
  conversionInput,
  conversionResult,
  experimentInput,
  experimentPath,
  experimentResponse,
  experimentResults,
  experimentsResponse,
  funnelQuery,
  funnelResponse,
  MAX_REPORT_DAYS,
  reportRangeQuery,
} from '../measurement-schemas';
import { operation, type Operation } from '../operation';
import { HttpProblem, validationProblem } from '../problem';
import { userPath } from '../schemas';
import type { ApiServices } from '../services';
import { recordSessions } from '../sessions';
import { unknownUser } from './users';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The inclusive UTC day range of a report; 400 when it is reversed or too long. */
export function reportRange(query: { from?: string | undefined; to?: string | undefined }, now: EpochMs): DayRange {
  const to = query.to ?? isoDay(now);
  const from = query.from ?? isoDay(Date.parse(to) - 29 * DAY_MS);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) throw validationProblem([{ in: 'query', field: 'from', message: 'must not be after `to`' }]);
  if (days > MAX_REPORT_DAYS) {
    throw validationProblem([{ in: 'query', field: 'from', message: `the period is at most ${MAX_REPORT_DAYS} days` }]);
  }
  return { from, to };
}

export interface ExperimentView {
  id: string;
  description?: string;
  variants: VariantWeight[];
  declaredIn: 'catalog' | 'api' | 'policy';
}

/** Every experiment: the global holdout, the catalog's, then those created through the API. */
export async function allExperiments(services: ApiServices): Promise<ExperimentView[]> {
  const { catalog, ruleSet } = services.catalog;
  const percent = ruleSet.policy.holdout?.percent ?? 0;
  const holdout: ExperimentView = {
    id: GLOBAL_HOLDOUT_ID,
    description: `${percent} % of users get no non-critical notification`,
    variants: [
      { name: 'holdout', weight: percent },
      { name: 'treated', weight: 100 - percent },
    ],
    declaredIn: 'policy',
  };
  const declared = catalog.experiments.map((entry): ExperimentView => ({
    ...experimentDefinition(entry),
    ...(entry.description === undefined ? {} : { description: entry.description }),
    declaredIn: 'catalog',
  }));
  const stored = (await services.repos.measurement.listExperiments()).map((e): ExperimentView => ({
    id: e.id,
    variants: e.variants,
    ...(e.description === undefined ? {} : { description: e.description }),
    declaredIn: 'api',
  }));
  return [holdout, ...declared, ...stored];
}

export async function funnelReport(services: ApiServices, by: FunnelDimension, range: DayRange) {
  const { rows, total } = funnelRows(await services.repos.measurement.funnelCells(by, range));
  return { by, ...range, rows, total };
}

/** Per variant: users, converters, rate and lift against the control, for one experiment (or the global holdout). */
export async function experimentReport(services: ApiServices, experiment: ExperimentView, range: DayRange) {
  const { measurement } = services.repos;
  if (experiment.id === GLOBAL_HOLDOUT_ID) {
    const { holdout, treated } = await measurement.holdoutArms(
      services.catalog.ruleSet.policy.holdout ?? { percent: 0 },
      range,
    );
    const arms = new Map([
      ['holdout', holdout],
      ['treated', treated],
    ]);
    return {
      experiment: experiment.id,
      ...range,
      metric: 'conversion_rate' as const,
      ...compareVariants(['holdout', 'treated'], arms, 'holdout'),
    };
  }
  const arms = await measurement.experimentArms(experiment.id, range);
  const names = experiment.variants.map((v) => v.name);
  return {
    experiment: experiment.id,
    ...range,
    metric: 'conversion_rate' as const,
    ...compareVariants(names, arms, CONTROL_VARIANT),
  };
}

export function measurementOperations(services: ApiServices): Operation[] {
  const { repos } = services;
  return [
    operation({
      operationId: 'getFunnelReport',
      method: 'get',
      path: '/v1/reports/funnel',
      tag: 'reports',
      summary: 'The notification funnel per dimension',
      description:
        'Sent, delivered, opened, engaged, converted, revenue per currency, opt-outs and uninstalls attributed to ' +
        'notifications, and suppressions by reason, per key of the dimension, over inclusive UTC days (at most ' +
        `${MAX_REPORT_DAYS}). Receipts count on the day their notification was decided. Read from daily rollups ` +
        'kept in step with the decision log.',
      scope: 'users:read',
      query: funnelQuery,
      responses: { 200: { description: 'The funnel.', schema: funnelResponse } },
      async handle({ query, now }) {
        return { status: 200, body: await funnelReport(services, query.by, reportRange(query, now)) };
      },
    }),
    operation({
      operationId: 'postConversion',
      method: 'post',
      path: '/v1/users/{id}/conversions',
      tag: 'events',
      summary: 'Report a conversion or engagement that names no notification',
      description:
        'Stored for the user (experiments and the holdout count it whatever the notification) and attributed to the ' +
        'last notification the user opened within the attribution window (default 24 h), if any; that ' +
        'notification then counts it in the funnel. It is also the user’s engagement, aggregated like an app ' +
        'session (dormancy, lifecycle stage, send-time learning); the workflow is signalled only when it ends a ' +
        'dormancy. Journey goals and exits are event types: report the business event with POST /v1/events too. ' +
        'Idempotent on `id` (a repeat answers the stored attribution).',
      scope: 'events:write',
      params: userPath,
      body: conversionInput,
      responses: { 202: { description: 'Recorded (or a duplicate).', schema: conversionResult } },
      async handle({ params, body, now }) {
        const at = clientTimeOr400(body.at, now, 'at');
        if (!(await repos.users.exists(params.id))) throw unknownUser(params.id);
        const recorded = await repos.measurement.recordConversion(params.id, {
          eventId: body.id,
          type: body.type,
          at,
          ...(body.value === undefined ? {} : { value: body.value }),
        });
        if (recorded === null) {
          const attributedTo = await repos.measurement.conversionAttribution(params.id, body.id);
          return {
            status: 202,
            body: { userId: params.id, id: body.id, status: 'duplicate', attributedTo, signalled: false },
          };
        }
        // The user was active: what the workflow decides on (dormancy, lifecycle stage, best send hours) hears of it
        // as engagement, aggregated like a session and signalled only when it ends a dormancy.
        const engagement = await recordSessions(services, params.id, [at]);
        return {
          status: 202,
          body: {
            userId: params.id,
            id: body.id,
            status: 'recorded',
            attributedTo: recorded.notificationId,
            signalled: engagement?.signalled ?? false,
          },
        };
      },
    }),
    operation({
      operationId: 'listExperiments',
      method: 'get',
      path: '/v1/experiments',
      tag: 'experiments',
      summary: 'Experiments: the global holdout, the catalog’s and those created through the API',
      scope: 'users:read',
      responses: { 200: { description: 'Every experiment.', schema: experimentsResponse } },
      async handle() {
        return { status: 200, body: { experiments: await allExperiments(services) } };
      },
    }),
    operation({
      operationId: 'createExperiment',
      method: 'post',
      path: '/v1/experiments',
      tag: 'experiments',
      summary: 'Create an experiment: variants with relative weights',
      description:
        'Candidates then name it (`experiment`; the variant is assigned from a hash of user and experiment id when ' +
        'not given). A variant named `control` never sends: its candidates end `suppressed` with reason `holdout`.',
      scope: 'admin',
      body: experimentInput,
      responses: {
        201: { description: 'Created.', schema: experimentResponse },
        409: { description: 'An experiment with this id exists.' },
      },
      async handle({ body, now }) {
        const taken = (await allExperiments(services)).some((e) => e.id === body.id);
        const created =
          !taken &&
          (await repos.measurement.createExperiment({
            id: body.id,
            variants: body.variants,
            ...(body.description === undefined ? {} : { description: body.description }),
            createdAt: now,
          }));
        if (!created) throw new HttpProblem(409, 'experiment-exists', `experiment ${body.id} exists`);
        return {
          status: 201,
          body: {
            id: body.id,
            ...(body.description === undefined ? {} : { description: body.description }),
            variants: body.variants,
            declaredIn: 'api',
          },
        };
      },
    }),
    operation({
      operationId: 'getExperimentResults',
      method: 'get',
      path: '/v1/experiments/{id}/results',
      tag: 'experiments',
      summary: 'Conversion rate per variant, lift against the control with its 95 % interval',
      description:
        'Users: those with a decision in the experiment during the period (for `global_holdout`: every user known ' +
        'by its end, split by the holdout hash). Converters: those users with a conversion after their first ' +
        'decision in it. A `warning` says when the sample is too small to conclude.',
      scope: 'users:read',
      params: experimentPath,
      query: reportRangeQuery,
      responses: { 200: { description: 'Results.', schema: experimentResults } },
      async handle({ params, query, now }) {
        const experiment = (await allExperiments(services)).find((e) => e.id === params.id);
        if (experiment === undefined) throw new HttpProblem(404, 'unknown-experiment', `no experiment ${params.id}`);
        return { status: 200, body: await experimentReport(services, experiment, reportRange(query, now)) };
      },
    }),
  ];
}
