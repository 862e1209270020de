export type ExecutionStatusName =
  'Running' | 'Completed' | 'Failed' | 'Canceled' | 'Terminated' | 'ContinuedAsNew' | 'TimedOut';

/** One workflow execution as visibility sees it. Times are epoch milliseconds. */
export interface VisibilityRecord {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  status: ExecutionStatusName;
  startTime: number;
  closeTime?: number | undefined;
  executionTime: number;
  /** Decoded values (see `decodeSearchAttributes`); `null` or absent means unset. */
  searchAttributes: Record<string, unknown>;
}

/** Temporal's `WorkflowExecutionStatus` enum numbers, as a list filter may also spell them. */
export const EXECUTION_STATUS_CODES: Readonly<Record<number, ExecutionStatusName | 'Unspecified'>> = Object.freeze({
  0: 'Unspecified',
  1: 'Running',
  2: 'Completed',
  3: 'Failed',
  4: 'Canceled',
  5: 'Terminated',
  6: 'ContinuedAsNew',
  7: 'TimedOut',
});
