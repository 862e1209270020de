// The API's side of campaign workflows (workflows/campaign): start one, move it through its lifecycle with Updates,
// read its live progress. Starting is idempotent on the campaign id (workflow id `campaign:<id>`).
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { CampaignStatus } from '../domain/campaign';
import {
  CAMPAIGN_WORKFLOW_TYPE,
  campaignProgressQuery,
  campaignWorkflowId,
  cancelCampaignUpdate,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  type CampaignProgressView,
  type CampaignWorkflowInput,
} from '../workflows/campaign/definitions';

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

  async progress(campaignId: string): Promise<CampaignProgressView | null> {
    try {
      return await this.client.workflow.getHandle(campaignWorkflowId(campaignId)).query(campaignProgressQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }
}
