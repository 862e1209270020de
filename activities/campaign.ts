// The campaign workflow's activities (workflows/campaign): page the segment, record targets, hand candidates to user
// workflows (signal-with-start), withdraw them on cancel. Each is safe to repeat: the target table remembers who was
// reached, and a member's candidate id is fixed per campaign, so a re-sent signal is the same candidate.
import { heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { wallClock } from '../clock';
import { CampaignRepository, ScheduledRuleRepository, type CampaignRecord } from '../db/campaigns';
import { SegmentRepository } from '../db/segments';
import { formatDate, occurrenceSpec, triggeredRun, planMember } from '../domain/campaign';
import type { Candidate, EpochMs } from '../domain/types';
import type { CampaignActivities } from '../workflows/campaign/definitions';
import {
  candidateSignal,
  USER_WORKFLOW_TYPE,
  userWorkflowId,
  withdrawSignal,
  type UserWorkflowInput,
  type WithdrawCandidates,
} from '../workflows/definitions';
import type { RuntimeOptions } from '../workflows/user-state';
import { nth, present } from '../domain/present';
import { EPOCH, maxOf } from '../domain/units';

/** How a candidate reaches a user's workflow; tests wrap it to hold or fail a hand-over at an exact point. */
export type SignalUser = (candidate: Candidate) => Promise<void>;

export interface CampaignActivityDeps {
  pool: pg.Pool;
  /** A client with the deployment's data converter. */
  client: Client;
  /** The task queue user workflows run on. */
  taskQueue: string;
  /** Options for user workflows a hand-over starts (the current catalog version), as the API gives them. */
  userWorkflowOptions?: () => RuntimeOptions;
  /** Signals sent at once by one page. */
  concurrency?: number;
  signalUser?: SignalUser;
  now?: () => EpochMs;
}

export function createCampaignActivities(deps: CampaignActivityDeps): CampaignActivities {
  const campaigns = new CampaignRepository(deps.pool);
  const segments = new SegmentRepository(deps.pool);
  const rules = new ScheduledRuleRepository(deps.pool);
  const concurrency = deps.concurrency ?? 32;
  const now = deps.now ?? wallClock;
  const signalUser: SignalUser =
    deps.signalUser ??
    (async (candidate) => {
      const options = deps.userWorkflowOptions?.();
      const input: UserWorkflowInput = { userId: candidate.userId, ...(options ? { options } : {}) };
      await deps.client.workflow.signalWithStart(USER_WORKFLOW_TYPE, {
        workflowId: userWorkflowId(candidate.userId),
        taskQueue: deps.taskQueue,
        args: [input],
        signal: candidateSignal,
        signalArgs: [candidate],
        staticSummary: 'Tact user: attention budget and notification planner',
      });
    });
  const withdraw = async (userId: string, what: WithdrawCandidates): Promise<void> => {
    try {
      await deps.client.workflow.getHandle(userWorkflowId(userId)).signal(withdrawSignal, what);
    } catch (error) {
      // No running workflow: nothing pending to withdraw.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  };
  // A campaign's spec never changes once it runs: one read per process.
  const specs = new Map<string, Promise<CampaignRecord>>();
  const load = (campaignId: string): Promise<CampaignRecord> => {
    let found = specs.get(campaignId);
    if (found === undefined) {
      found = campaigns.get(campaignId).then((c) => {
        if (c === null) throw new Error(`campaign ${campaignId} does not exist`);
        return c;
      });
      found.catch(() => specs.delete(campaignId));
      specs.set(campaignId, found);
    }
    return found;
  };
  const inLanes = async <T>(items: T[], work: (item: T) => Promise<void>): Promise<void> => {
    let next = 0;
    const lane = async () => {
      while (next < items.length) {
        const item = nth(items, next++);
        await work(item);
        if (next % 50 === 0) heartbeat({ done: next });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  };

  return {
    async beginCampaign({ campaignId, now: at }) {
      const campaign = await load(campaignId);
      const segmentSize = await segments.count(campaign.spec.segment, at);
      const { sendTime } = campaign.spec;
      const fanOutAt = sendTime.kind === 'at' ? sendTime.at : at;
      await campaigns.setStatus(campaignId, fanOutAt > at ? 'scheduled' : 'running', now(), { segmentSize });
      return { segmentSize, ratePerSecond: campaign.spec.ratePerSecond, fanOutAt };
    },

    async handOverPage({ campaignId, afterId, limit, now: at }) {
      const campaign = await load(campaignId);
      const members = await segments.page(campaign.spec.segment, at, {
        limit,
        ...(afterId === undefined ? {} : { afterId }),
      });
      if (members.length === 0) return { members: 0, targeted: 0, handedOver: 0, late: 0, lastExpiresAt: EPOCH };
      const plans = new Map(members.map((m) => [m.id, planMember(campaign, m, at)]));
      const late = members.filter((m) => present(plans.get(m.id), 'a member plan').kind === 'late').map((m) => m.id);
      const ids = members.map((m) => m.id);
      const toSignal = await campaigns.target(campaignId, ids, late, now());
      const signalled: string[] = [];
      await inLanes([...toSignal], async (userId) => {
        const plan = present(plans.get(userId), 'the plan of a targeted member');
        if (plan.kind !== 'candidate') return;
        await signalUser(plan.candidate);
        signalled.push(userId);
      });
      await campaigns.markHandedOver(campaignId, signalled, now());
      // Pages never overlap (the cursor moves only past a completed page), so the page's rows are its counts, also
      // when an earlier attempt of it handed some members over before failing.
      const statuses = await campaigns.statusCounts(campaignId, ids);
      return {
        lastId: nth(members, members.length - 1).id,
        members: members.length,
        targeted: members.length,
        handedOver: statuses.handed_over ?? 0,
        late: statuses.late ?? 0,
        lastExpiresAt: [...plans.values()].reduce(
          (last, p) => (p.kind === 'candidate' ? maxOf(last, p.candidate.expiresAt) : last),
          EPOCH,
        ),
      };
    },

    async withdrawPage({ campaignId, afterId, limit }) {
      const campaign = await load(campaignId);
      const users = await campaigns.handedOverPage(campaignId, {
        limit,
        ...(afterId === undefined ? {} : { afterId }),
      });
      await inLanes(users, (userId) => withdraw(userId, { source: campaign.source, sourceId: campaignId }));
      const lastId = users.at(-1);
      return { ...(lastId === undefined ? {} : { lastId }), users: users.length };
    },

    async recordCampaignStatus({ campaignId, status }) {
      await campaigns.setStatus(campaignId, status, now());
    },

    async openRuleRun({ ruleId, date, triggeredAt }) {
      const rule = await rules.get(ruleId);
      // Deleted after the schedule fired: nothing to run.
      if (rule === null) return { campaignId: `${ruleId}.${formatDate(date)}`, created: false };
      const run =
        triggeredAt === undefined
          ? { id: `${ruleId}.${formatDate(date)}`, label: formatDate(date), spec: occurrenceSpec(rule.spec, date) }
          : {
              ...triggeredRun(ruleId, rule.spec, triggeredAt),
              label: `triggered ${new Date(triggeredAt).toISOString()}`,
            };
      const created = await campaigns.create(
        { id: run.id, name: `${rule.name} ${run.label}`, source: 'schedule', spec: run.spec, status: 'draft' },
        now(),
      );
      return { campaignId: run.id, created };
    },
  };
}
