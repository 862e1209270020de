// The erasure workflow's public surface, shared by its client (api/) and the workflow: one run per erased user,
// id `erasure:<user id>` (opaque ids only, as for user workflows).
export const ERASURE_WORKFLOW_TYPE = 'erasureWorkflow';

export function erasureWorkflowId(userId: string): string {
  return `erasure:${userId}`;
}

export interface ErasureInput {
  userId: string;
}

export interface ErasureResult {
  userId: string;
  /** User workflows (and the user's own sub-workflows) terminated. */
  workflowsEnded: number;
  /** Rows deleted per table. */
  rowsDeleted: Record<string, number>;
  /** Decisions folded into the anonymous erased_decision_counts. */
  decisionsAggregated: number;
  /** False when the user had no data key (encryption off, or shredded by an earlier run). */
  keyShredded: boolean;
}

/** The activities the erasure workflow calls (activities/erasure.ts implements them). */
export interface ErasureActivities {
  /** Terminates `user:<id>` and every running `user:<id>/…` workflow; how many it ended. */
  endUserWorkflows(input: ErasureInput): Promise<number>;
  eraseUserRows(input: ErasureInput): Promise<{ deleted: Record<string, number>; decisionsAggregated: number }>;
  /** Deletes the user's data key: their Temporal histories can no longer be decoded. */
  shredUserKey(input: ErasureInput): Promise<boolean>;
  recordErasureCompleted(input: { userId: string; summary: Omit<ErasureResult, 'userId'> }): Promise<void>;
}
