// Campaigns (docs/campaigns.md): POST /v1/campaigns creates one (a draft, started at once with `start: true`, or only
// previewed with `dryRun: true`); :start, :pause, :resume and :cancel move it; GET shows it with its progress. The
// fan-out itself is the campaign workflow's (workflows/campaign), which the API reaches through Temporal.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  CAMPAIGN_TRANSITIONS,
  LATE_POLICIES,
  memberSendAt,
  type CampaignSpec,
  type SendTime,
} from '../../domain/campaign';
import type { CampaignRecord } from '../../db/campaigns';
import type { EpochMs } from '../../domain/types';
import { minuteOfDay, durationMs, hours, probability } from '../../domain/units';
import { CampaignMoveRejectedError, type CampaignMove, type CampaignWorkflows } from '../campaign-client';
import { operation, type Operation } from '../operation';
import { HttpProblem, validationProblem, type FieldError } from '../problem';
import { DURATION, DURATION_MS, properties, text, timestamp } from '../schemas';
import type { ApiServices } from '../services';
import { orTemporalUnavailable } from '../workflow-gateway';
import { catalogProblems } from './candidates';
import { SEGMENT_NAME, savedSegmentOr400, segmentOr400 } from './segments';
import { present } from '../../domain/present';

const CAMPAIGN_ID = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lowercase letters, digits, _ . and -, at most 64');
export const duration = z
  .string()
  .regex(DURATION, 'must be a duration such as 90m, 12h or 3d')
  .transform((t) => {
    const [, amount, unit] = DURATION.exec(t) ?? [];
    return durationMs(Number(amount) * DURATION_MS[unit as keyof typeof DURATION_MS]);
  });

const sendBody = z.union([
  z.strictObject({ at: timestamp.describe('The fan-out starts at this instant.') }),
  z.strictObject({
    date: z.iso.date().describe('The calendar date, in each user’s own zone (YYYY-MM-DD).'),
    localTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM')
      .describe('The wall time in each user’s own zone.'),
    window: duration.default(hours(3)).describe('How late after the local time a user may still be handed it.'),
    late: z.enum(LATE_POLICIES).default('next_day').describe('What happens to users reached after the window.'),
  }),
]);

export const createBody = z.strictObject({
  id: CAMPAIGN_ID.optional().describe('Default: a random id.'),
  name: text(200),
  segment: z.union([SEGMENT_NAME, z.record(z.string(), z.unknown())]).describe('A saved segment’s name, or a filter.'),
  message: z.strictObject({
    category: z.string(),
    template: z.string(),
    variables: properties.optional(),
    deepLink: text(2_000).optional(),
    businessValue: z.number().min(0).max(1).default(0.5),
  }),
  send: sendBody.optional().describe('Absent: now.'),
  ttl: duration
    .optional()
    .describe('How long each candidate may wait after its send time; default the category’s TTL.'),
  ratePerSecond: z.number().int().min(1).max(10_000).default(100),
  dryRun: z.boolean().default(false),
  start: z.boolean().default(false).describe('Start at once instead of creating a draft.'),
});
const idPath = z.strictObject({ id: CAMPAIGN_ID });

const campaignView = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  spec: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  progress: z
    .object({
      segmentSize: z.number().nullable(),
      targeted: z.number(),
      handedOver: z.number(),
      late: z.number(),
      sent: z.number(),
      suppressed: z.record(z.string(), z.number()),
      opened: z.number(),
      converted: z.number(),
      etaAt: z.string().nullable(),
    })
    .optional(),
});

/** Builds the spec from the request, or throws the 400 naming every bad part. */
export async function specOf(
  services: ApiServices,
  body: z.output<typeof createBody>,
  now: EpochMs,
): Promise<CampaignSpec> {
  const segment =
    typeof body.segment === 'string'
      ? await savedSegmentOr400(services, body.segment, 'segment')
      : segmentOr400(body.segment, 'segment');
  const { message } = body;
  const problems: FieldError[] = catalogProblems(
    services.catalog,
    {
      id: 'campaign',
      category: message.category,
      template: message.template,
      businessValue: message.businessValue,
      ...(message.variables === undefined ? {} : { variables: message.variables }),
    },
    'message',
  );
  let sendTime: SendTime = { kind: 'now' };
  const send = body.send;
  if (send !== undefined && 'at' in send) sendTime = { kind: 'at', at: send.at };
  else if (send !== undefined) {
    const [year, month, day] = send.date.split('-').map(Number) as [number, number, number];
    const [hours, minutes] = send.localTime.split(':').map(Number) as [number, number];
    sendTime = {
      kind: 'local',
      date: { year, month, day },
      minuteOfDay: minuteOfDay(hours * 60 + minutes),
      windowMs: send.window,
      late: send.late,
    };
  }
  const ttlMs = body.ttl ?? services.catalog.ruleSet.policy.categories[message.category]?.ttlMs ?? durationMs(0);
  if (sendTime.kind === 'local' && ttlMs < sendTime.windowMs) {
    problems.push({ in: 'body', field: 'ttl', message: 'must be at least the delivery window' });
  }
  if (sendTime.kind === 'at' && sendTime.at + ttlMs <= now) {
    problems.push({ in: 'body', field: 'send.at', message: 'its TTL would have passed already' });
  }
  if (problems.length > 0) throw validationProblem(problems);
  return {
    segment,
    ...(typeof body.segment === 'string' ? { segmentName: body.segment } : {}),
    message: {
      category: message.category,
      template: message.template,
      variables: message.variables ?? {},
      ...(message.deepLink === undefined ? {} : { deepLink: message.deepLink }),
      businessValue: probability(message.businessValue),
    },
    sendTime,
    ttlMs,
    ratePerSecond: body.ratePerSecond,
  };
}

export function campaignOperations(services: ApiServices, workflows: CampaignWorkflows): Operation[] {
  const temporal = <T>(call: () => Promise<T>): Promise<T> => orTemporalUnavailable(services.retryAfterSeconds, call);
  const found = async (id: string): Promise<CampaignRecord> => {
    const campaign = await services.repos.campaigns.get(id);
    if (campaign === null) throw new HttpProblem(404, 'not-found', `no campaign "${id}"`);
    return campaign;
  };
  const view = async (campaign: CampaignRecord, withProgress: boolean) => {
    const base = {
      id: campaign.id,
      name: campaign.name,
      status: campaign.status,
      spec: campaign.spec as unknown as Record<string, unknown>,
      createdAt: new Date(campaign.createdAt).toISOString(),
    };
    if (!withProgress) return base;
    const stored = await services.repos.campaigns.progress(campaign.id, campaign.source);
    const live =
      campaign.status === 'draft' ? null : await temporal(() => workflows.progress(campaign.id)).catch(() => null);
    return {
      ...base,
      status: live?.status ?? campaign.status,
      progress: {
        segmentSize: live?.segmentSize ?? campaign.segmentSize,
        ...stored,
        etaAt: live?.etaAt === undefined || live.etaAt === null ? null : new Date(live.etaAt).toISOString(),
      },
    };
  };
  /** Claims the draft (so a second start is a 409), then starts its workflow; undoes the claim if that fails. */
  const start = async (campaign: CampaignRecord, now: EpochMs): Promise<CampaignRecord> => {
    const { sendTime } = campaign.spec;
    const status = sendTime.kind === 'at' && sendTime.at > now ? 'scheduled' : 'running';
    if (!(await services.repos.campaigns.setStatus(campaign.id, status, now, { from: ['draft'] }))) {
      throw new HttpProblem(409, 'campaign-status', 'the campaign is no longer a draft');
    }
    try {
      await temporal(() => workflows.start(campaign.id));
    } catch (error) {
      await services.repos.campaigns.setStatus(campaign.id, 'draft', now, { from: [status] });
      throw error;
    }
    return { ...campaign, status };
  };
  const move = (action: CampaignMove) =>
    operation({
      operationId: `${action}Campaign`,
      method: 'post',
      path: `/v1/campaigns/{id}:${action}`,
      tag: 'campaigns',
      summary: `${action.charAt(0).toUpperCase()}${action.slice(1)} a campaign`,
      ...(action === 'cancel'
        ? {
            description:
              'Stops the fan-out and withdraws the campaign’s candidates still pending in users’ queues (they end `cancelled`).',
          }
        : {}),
      scope: 'admin',
      params: idPath,
      responses: {
        200: { description: 'The new status.', schema: campaignView },
        409: { description: 'Not allowed now.' },
      },
      async handle({ params, now }) {
        const campaign = await found(params.id);
        if (action === 'cancel' && campaign.status === 'draft') {
          if (await services.repos.campaigns.setStatus(campaign.id, 'cancelled', now, { from: ['draft'] })) {
            return { status: 200, body: await view({ ...campaign, status: 'cancelled' }, false) };
          }
        }
        if (!CAMPAIGN_TRANSITIONS[action].includes(campaign.status) || campaign.status === 'draft') {
          throw new HttpProblem(409, 'campaign-status', `cannot ${action} a campaign that is ${campaign.status}`);
        }
        try {
          const status = await temporal(() => workflows.move(campaign.id, action));
          if (status === null) throw new HttpProblem(409, 'campaign-status', `the campaign's fan-out has ended`);
          return { status: 200, body: await view({ ...campaign, status }, false) };
        } catch (error) {
          if (error instanceof CampaignMoveRejectedError) throw new HttpProblem(409, 'campaign-status', error.message);
          throw error;
        }
      },
    });

  return [
    operation({
      operationId: 'createCampaign',
      method: 'post',
      path: '/v1/campaigns',
      tag: 'campaigns',
      summary: 'Create a campaign (draft, started, or a dry run that writes nothing)',
      scope: 'admin',
      body: createBody,
      responses: {
        200: { description: 'Dry run: the count and a sample with each user’s send time; nothing written.' },
        201: { description: 'Created.', schema: campaignView },
        409: { description: 'The id is taken.' },
      },
      async handle({ body, now }) {
        const spec = await specOf(services, body, now);
        if (body.dryRun) {
          const [count, sample] = await Promise.all([
            services.repos.segments.count(spec.segment, now),
            services.repos.segments.page(spec.segment, now, { limit: 20 }),
          ]);
          return {
            status: 200,
            body: {
              dryRun: true,
              count,
              sample: sample.map((m) => ({
                userId: m.id,
                timeZone: m.timeZone,
                sendAt: new Date(Math.max(now, memberSendAt(spec.sendTime, m.timeZone, now))).toISOString(),
              })),
            },
          };
        }
        const id = body.id ?? `c-${randomBytes(6).toString('hex')}`;
        const created = await services.repos.campaigns.create(
          { id, name: body.name, source: 'campaign', spec, status: 'draft' },
          now,
        );
        if (!created) throw new HttpProblem(409, 'campaign-exists', `a campaign "${id}" exists already`);
        const draft = present(await services.repos.campaigns.get(id), 'the campaign just created');
        return { status: 201, body: await view(body.start ? await start(draft, now) : draft, false) };
      },
    }),
    operation({
      operationId: 'listCampaigns',
      method: 'get',
      path: '/v1/campaigns',
      tag: 'campaigns',
      summary: 'The newest campaigns',
      scope: 'admin',
      responses: {
        200: { description: 'Up to 100, newest first.', schema: z.object({ campaigns: z.array(campaignView) }) },
      },
      async handle() {
        const campaigns = await services.repos.campaigns.list(100);
        return { status: 200, body: { campaigns: await Promise.all(campaigns.map((c) => view(c, false))) } };
      },
    }),
    operation({
      operationId: 'getCampaign',
      method: 'get',
      path: '/v1/campaigns/{id}',
      tag: 'campaigns',
      summary:
        'A campaign with its progress: targeted, handed over, sent, suppressed by reason, opened, converted, ETA',
      scope: 'admin',
      params: idPath,
      responses: { 200: { description: 'The campaign.', schema: campaignView } },
      async handle({ params }) {
        return { status: 200, body: await view(await found(params.id), true) };
      },
    }),
    operation({
      operationId: 'startCampaign',
      method: 'post',
      path: '/v1/campaigns/{id}:start',
      tag: 'campaigns',
      summary: 'Start a draft campaign',
      scope: 'admin',
      params: idPath,
      responses: { 202: { description: 'Started.', schema: campaignView }, 409: { description: 'Not a draft.' } },
      async handle({ params, now }) {
        const campaign = await found(params.id);
        if (campaign.status !== 'draft') {
          throw new HttpProblem(409, 'campaign-status', `cannot start a campaign that is ${campaign.status}`);
        }
        return { status: 202, body: await view(await start(campaign, now), false) };
      },
    }),
    move('pause'),
    move('resume'),
    move('cancel'),
  ];
}
