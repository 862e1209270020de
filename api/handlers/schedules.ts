// Scheduled rules (docs/campaigns.md "Scheduled rules"): recurring campaigns on Temporal Schedules, e.g. every Monday
// 08:00 in each user's own zone. POST /v1/schedules creates one; list, :pause, :resume, :trigger and DELETE manage it.
import { z } from 'zod';
import { LATE_POLICIES, type Recurrence, type RuleSpec } from '../../domain/campaign';
import type { CampaignWorkflows, RuleAction } from '../campaign-client';
import { operation, type Operation } from '../operation';
import { HttpProblem } from '../problem';
import { text } from '../schemas';
import type { ApiServices } from '../services';
import { orTemporalUnavailable } from '../workflow-gateway';
import { createBody, duration, specOf } from './campaigns';
import { SEGMENT_NAME } from './segments';
import { hours } from '../../domain/units';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const RULE_ID = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,47}$/, 'lowercase letters, digits, _ and -, at most 48');

const ruleBody = z.strictObject({
  id: RULE_ID,
  name: text(200),
  segment: z.union([SEGMENT_NAME, z.record(z.string(), z.unknown())]),
  message: createBody.shape.message,
  every: z.union([
    z.strictObject({ weekly: z.enum(WEEKDAYS) }),
    z.strictObject({ monthly: z.number().int().min(1).max(28).describe('Day of the month') }),
  ]),
  localTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
  window: duration.default(hours(3)),
  late: z.enum(LATE_POLICIES).default('next_day'),
  ttl: duration.optional(),
  ratePerSecond: z.number().int().min(1).max(10_000).default(100),
});
const idPath = z.strictObject({ id: RULE_ID });
const ruleView = z.object({
  id: z.string(),
  name: z.string(),
  spec: z.record(z.string(), z.unknown()),
  paused: z.boolean().nullable(),
  nextFirings: z.array(z.string()),
  firings: z.number().nullable(),
});

export function scheduleOperations(services: ApiServices, workflows: CampaignWorkflows): Operation[] {
  const temporal = <T>(call: () => Promise<T>): Promise<T> => orTemporalUnavailable(services.retryAfterSeconds, call);
  const view = async (id: string) => {
    const rule = await services.repos.scheduledRules.get(id);
    if (rule === null) throw new HttpProblem(404, 'not-found', `no scheduled rule "${id}"`);
    const schedule = await temporal(() => workflows.describeRule(id));
    return {
      id: rule.id,
      name: rule.name,
      spec: rule.spec as unknown as Record<string, unknown>,
      paused: schedule?.paused ?? null,
      nextFirings: (schedule?.nextFirings ?? []).map((at) => new Date(at).toISOString()),
      firings: schedule?.firings ?? null,
    };
  };
  const act = (action: Exclude<RuleAction, 'delete'>) =>
    operation({
      operationId: `${action}ScheduledRule`,
      method: 'post',
      path: `/v1/schedules/{id}:${action}`,
      tag: 'campaigns',
      summary:
        action === 'trigger'
          ? 'Fire a scheduled rule now: its message to its segment now (the next occurrence keeps its own firing)'
          : `${action.charAt(0).toUpperCase()}${action.slice(1)} a scheduled rule`,
      scope: 'admin',
      params: idPath,
      responses: { 200: { description: 'Done.', schema: ruleView } },
      async handle({ params }) {
        if (!(await temporal(() => workflows.ruleAction(params.id, action)))) {
          throw new HttpProblem(404, 'not-found', `no scheduled rule "${params.id}"`);
        }
        return { status: 200, body: await view(params.id) };
      },
    });

  return [
    operation({
      operationId: 'createScheduledRule',
      method: 'post',
      path: '/v1/schedules',
      tag: 'campaigns',
      summary: 'Create a recurring campaign at a local time in each user’s zone (weekly or monthly)',
      scope: 'admin',
      body: ruleBody,
      responses: { 201: { description: 'Created.', schema: ruleView }, 409: { description: 'The id is taken.' } },
      async handle({ body, now }) {
        const campaign = await specOf(
          services,
          {
            name: body.name,
            segment: body.segment,
            message: body.message,
            send: { date: '2000-01-03', localTime: body.localTime, window: body.window, late: body.late },
            ...(body.ttl === undefined ? {} : { ttl: body.ttl }),
            ratePerSecond: body.ratePerSecond,
            dryRun: false,
            start: false,
          },
          now,
        );
        if (campaign.sendTime.kind !== 'local') throw new Error('a rule sends at a local time');
        const { sendTime, ...rest } = campaign;
        const recurrence: Recurrence =
          'weekly' in body.every
            ? { kind: 'weekly', weekday: WEEKDAYS.indexOf(body.every.weekly) + 1 }
            : { kind: 'monthly', day: body.every.monthly };
        const spec: RuleSpec = {
          ...rest,
          recurrence,
          minuteOfDay: sendTime.minuteOfDay,
          windowMs: sendTime.windowMs,
          late: sendTime.late,
        };
        if (!(await services.repos.scheduledRules.create({ id: body.id, name: body.name, spec, createdAt: now }))) {
          throw new HttpProblem(409, 'schedule-exists', `a scheduled rule "${body.id}" exists already`);
        }
        try {
          await temporal(() => workflows.createRule(body.id, recurrence));
        } catch (error) {
          await services.repos.scheduledRules.delete(body.id);
          throw error;
        }
        return { status: 201, body: await view(body.id) };
      },
    }),
    operation({
      operationId: 'listScheduledRules',
      method: 'get',
      path: '/v1/schedules',
      tag: 'campaigns',
      summary: 'The scheduled rules with their next firings',
      scope: 'admin',
      responses: { 200: { description: 'Every rule.', schema: z.object({ schedules: z.array(ruleView) }) } },
      async handle() {
        const rules = await services.repos.scheduledRules.list();
        return { status: 200, body: { schedules: await Promise.all(rules.map((r) => view(r.id))) } };
      },
    }),
    act('pause'),
    act('resume'),
    act('trigger'),
    operation({
      operationId: 'deleteScheduledRule',
      method: 'delete',
      path: '/v1/schedules/{id}',
      tag: 'campaigns',
      summary: 'Delete a scheduled rule (occurrences already open go on; cancel them as campaigns)',
      scope: 'admin',
      params: idPath,
      responses: { 204: { description: 'Deleted.' } },
      async handle({ params }) {
        await temporal(() => workflows.ruleAction(params.id, 'delete'));
        if (!(await services.repos.scheduledRules.delete(params.id))) {
          throw new HttpProblem(404, 'not-found', `no scheduled rule "${params.id}"`);
        }
        return { status: 204 };
      },
    }),
  ];
}
