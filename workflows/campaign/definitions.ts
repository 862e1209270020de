// The campaign workflow's public surface, shared by its client (api/) and the workflow (docs/campaigns.md): one run per
// campaign, id `campaign:<campaign id>`, continued as new with its cursor so its history stays bounded.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CampaignStatus, LocalDate, Recurrence } from '../../domain/campaign';
import type { EpochMs } from '../../domain/types';

export const CAMPAIGN_WORKFLOW_TYPE = 'campaignWorkflow';

export function campaignWorkflowId(campaignId: string): string {
  return `campaign:${campaignId}`;
}

export interface CampaignCounts {
  /** Segment members the fan-out has reached (each gets one target row). */
  targeted: number;
  /** Of those, handed to their user workflow. */
  handedOver: number;
  /** Of those, reached after a local send's delivery window and skipped (late policy `skip`). */
  late: number;
  /** Users whose pending candidate a cancel withdrew (signalled; those already decided keep their outcome). */
  withdrawn: number;
}

/** What a run carries to the next (continue-as-new); versioned like the user workflow's. */
export interface CampaignCarried {
  v: 1;
  status: CampaignStatus;
  /** The status last written to the campaigns table. */
  recorded: CampaignStatus;
  /** The last user id handed over (keyset cursor); absent before the first page. */
  cursor?: string;
  /** The last user id withdrawn (after a cancel). */
  withdrawCursor?: string;
  counts: CampaignCounts;
  /** Members counted when the fan-out began. */
  segmentSize: number;
  ratePerSecond: number;
  /** When the fan-out may start (`at` sends); a scheduled campaign waits for it. */
  fanOutAt: EpochMs;
  /** Pages handed over by every run so far. */
  pages: number;
  /** Every member has been reached; the campaign stays open (cancellable) until its last candidate expires. */
  fannedOut: boolean;
  /** The latest expiry of any candidate handed over: when the campaign completes. */
  lastExpiresAt: EpochMs;
}

export interface CampaignWorkflowInput {
  campaignId: string;
  /** Set only by continue-as-new. */
  carried?: CampaignCarried;
}

export interface CampaignProgressView {
  campaignId: string;
  status: CampaignStatus;
  counts: CampaignCounts;
  segmentSize: number;
  ratePerSecond: number;
  fannedOut: boolean;
  /** Estimated end of the fan-out at the configured rate; null once it ended or while paused. */
  etaAt: EpochMs | null;
  pages: number;
}

export const campaignProgressQuery = defineQuery<CampaignProgressView>('progress');
/** Lifecycle moves; each answers the new status, or is rejected (the validator) when the move is not allowed. */
export const pauseCampaignUpdate = defineUpdate<CampaignStatus>('pause');
export const resumeCampaignUpdate = defineUpdate<CampaignStatus>('resume');
export const cancelCampaignUpdate = defineUpdate<CampaignStatus>('cancel');

export interface BegunCampaign {
  segmentSize: number;
  ratePerSecond: number;
  fanOutAt: EpochMs;
}

export interface HandOverPageInput {
  campaignId: string;
  afterId?: string;
  limit: number;
  /** The workflow's clock: local send times and the delivery window are judged against it. */
  now: EpochMs;
}

export interface HandOverPageResult {
  /** The last member id of the page (the next cursor); absent when the page was empty. */
  lastId?: string;
  /** Members in the page (a short page is the last). */
  members: number;
  /** Newly targeted in this page (a retried page does not count its members twice). */
  targeted: number;
  handedOver: number;
  late: number;
  /** The latest expiry among the page's candidates (0 when none). */
  lastExpiresAt: EpochMs;
}

/** The activities the campaign workflow calls (activities/campaign.ts implements them). */
export interface CampaignActivities {
  /** Counts the segment and marks the campaign running or scheduled. */
  beginCampaign(input: { campaignId: string; now: EpochMs }): Promise<BegunCampaign>;
  handOverPage(input: HandOverPageInput): Promise<HandOverPageResult>;
  /** Signals `withdraw` to handed-over users after `afterId`; the last id done, absent when none were left. */
  withdrawPage(input: {
    campaignId: string;
    afterId?: string;
    limit: number;
  }): Promise<{ lastId?: string; users: number }>;
  recordCampaignStatus(input: { campaignId: string; status: CampaignStatus; now: EpochMs }): Promise<void>;
  /**
   * Creates the campaign of a scheduled rule's occurrence (id `<rule>.<date>`), or with `triggeredAt` the campaign of a
   * firing triggered by hand, sent now (id `<rule>.now-<stamp>`); `created` false when it exists.
   */
  openRuleRun(input: {
    ruleId: string;
    date: LocalDate;
    triggeredAt?: EpochMs;
    now: EpochMs;
  }): Promise<{ campaignId: string; created: boolean }>;
}

/** A scheduled rule's Temporal Schedule (`rule:<id>`) starts this workflow at each firing. */
export const SCHEDULED_RULE_WORKFLOW_TYPE = 'scheduledRuleWorkflow';

export function ruleScheduleId(ruleId: string): string {
  return `rule:${ruleId}`;
}

export interface ScheduledRuleInput {
  ruleId: string;
  recurrence: Recurrence;
}
