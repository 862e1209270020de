// Starts a user's erasure workflow (workflows/erasure). A repeated request while one runs attaches to it; after one
// finished, a new run erases whatever was stored since.
import type { Client } from '@temporalio/client';
import {
  ERASURE_WORKFLOW_TYPE,
  erasureWorkflowId,
  type ErasureInput,
  type ErasureResult,
} from '../workflows/erasure/definitions';
import { isUnavailable, WorkflowsUnavailableError } from './workflow-gateway';

export interface UserErasures {
  /** The erasure's workflow id; throws WorkflowsUnavailableError when Temporal cannot be reached. */
  start(userId: string): Promise<string>;
}

export class TemporalUserErasures implements UserErasures {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(userId: string): Promise<string> {
    const workflowId = erasureWorkflowId(userId);
    try {
      await this.client.workflow.start<(input: ErasureInput) => Promise<ErasureResult>>(ERASURE_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ userId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: 'Tact erasure: end workflows, delete rows, shred the key',
      });
    } catch (error) {
      if (isUnavailable(error)) throw new WorkflowsUnavailableError(error);
      throw error;
    }
    return workflowId;
  }
}
