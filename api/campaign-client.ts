// The API's side of campaign workflows (workflows/campaign): start one, move it through its lifecycle with Updates,
// read its live progress. Starting is idempotent on the campaign id (workflow id `campaign:<id>`).
import {
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type CalendarSpec,
  type Client,
  type DayOfWeek,
} from '@temporalio/client';
import type { CampaignStatus, Recurrence } from '../domain/campaign';
import type { EpochMs } from '../domain/types';
import {
  CAMPAIGN_WORKFLOW_TYPE,
  campaignProgressQuery,
  campaignWorkflowId,
  cancelCampaignUpdate,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  ruleScheduleId,
  SCHEDULED_RULE_WORKFLOW_TYPE,
  type CampaignProgressView,
  type CampaignWorkflowInput,
  type ScheduledRuleInput,
} from '../workflows/campaign/definitions';
import { nth } from '../domain/present';
import { epochMsOfDate } from '../domain/units';

/** The workflow refused the move (its status does not allow it); the message says why. */
export class CampaignMoveRejectedError extends Error {
  override name = 'CampaignMoveRejectedError';
}

export type CampaignMove = 'pause' | 'resume' | 'cancel';

export interface CampaignWorkflows {
  start(campaignId: string): Promise<void>;
  /** The status after the move; CampaignMoveRejectedError when not allowed; null when the campaign has no workflow. */
  move(campaignId: string, move: CampaignMove): Promise<CampaignStatus | null>;
  /** null when the campaign has no workflow. */
  progress(campaignId: string): Promise<CampaignProgressView | null>;
  /** Creates a scheduled rule's Temporal Schedule. */
  createRule(ruleId: string, recurrence: Recurrence): Promise<void>;
  /** false when the rule has no schedule. */
  ruleAction(ruleId: string, action: RuleAction): Promise<boolean>;
  /** null when the rule has no schedule. */
  describeRule(ruleId: string): Promise<RuleScheduleView | null>;
}

export type RuleAction = 'pause' | 'resume' | 'trigger' | 'delete';

export interface RuleScheduleView {
  paused: boolean;
  /** The next firings (each 12:00 UTC the day before an occurrence). */
  nextFirings: EpochMs[];
  firings: number;
}

const WEEKDAYS: DayOfWeek[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

/**
 * When a rule's schedule fires: 12:00 UTC the day before each occurrence (domain/campaign.ts nextOccurrence says why).
 * The day before the 1st is the last of the month: it fires on the 28th to 31st, and the firings after the first for
 * the same occurrence find its campaign already open and do nothing.
 */
export function ruleCalendar(recurrence: Recurrence): CalendarSpec {
  if (recurrence.kind === 'weekly') {
    return { dayOfWeek: nth(WEEKDAYS, (recurrence.weekday + 6) % 7), hour: 12, comment: 'the day before, 12:00 UTC' };
  }
  return {
    dayOfMonth: recurrence.day === 1 ? { start: 28, end: 31 } : recurrence.day - 1,
    hour: 12,
    comment: 'the day before, 12:00 UTC',
  };
}

const UPDATES = { pause: pauseCampaignUpdate, resume: resumeCampaignUpdate, cancel: cancelCampaignUpdate };

export class TemporalCampaigns implements CampaignWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(campaignId: string): Promise<void> {
    const input: CampaignWorkflowInput = { campaignId };
    try {
      await this.client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
        workflowId: campaignWorkflowId(campaignId),
        taskQueue: this.taskQueue,
        args: [input],
        staticSummary: `Tact campaign ${campaignId}: fan-out to its segment`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  async move(campaignId: string, move: CampaignMove): Promise<CampaignStatus | null> {
    try {
      return await this.client.workflow.getHandle(campaignWorkflowId(campaignId)).executeUpdate(UPDATES[move]);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      if (error instanceof WorkflowUpdateFailedError) {
        throw new CampaignMoveRejectedError(error.cause?.message ?? error.message);
      }
      throw error;
    }
  }

  async createRule(ruleId: string, recurrence: Recurrence): Promise<void> {
    const input: ScheduledRuleInput = { ruleId, recurrence };
    await this.client.schedule.create({
      scheduleId: ruleScheduleId(ruleId),
      spec: { calendars: [ruleCalendar(recurrence)] },
      action: {
        type: 'startWorkflow',
        workflowType: SCHEDULED_RULE_WORKFLOW_TYPE,
        workflowId: ruleScheduleId(ruleId),
        taskQueue: this.taskQueue,
        args: [input],
      },
    });
  }

  async ruleAction(ruleId: string, action: RuleAction): Promise<boolean> {
    const handle = this.client.schedule.getHandle(ruleScheduleId(ruleId));
    try {
      if (action === 'pause') await handle.pause('paused through the API');
      else if (action === 'resume') await handle.unpause('resumed through the API');
      else if (action === 'trigger') await handle.trigger();
      else await handle.delete();
      return true;
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return false;
      throw error;
    }
  }

  async describeRule(ruleId: string): Promise<RuleScheduleView | null> {
    try {
      const described = await this.client.schedule.getHandle(ruleScheduleId(ruleId)).describe();
      return {
        paused: described.state.paused,
        nextFirings: described.info.nextActionTimes.map(epochMsOfDate),
        firings: described.info.numActionsTaken,
      };
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return null;
      throw error;
    }
  }

  async progress(campaignId: string): Promise<CampaignProgressView | null> {
    try {
      return await this.client.workflow.getHandle(campaignWorkflowId(campaignId)).query(campaignProgressQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }
}
