import type { VisibilityRecord } from './record';

/**
 * The value of a search attribute for one execution, or undefined when it has none. System attributes come from
 * the record's own fields; everything else (custom, predefined, and system ones the engine chooses to supply such
 * as HistoryLength or ParentWorkflowId) from `searchAttributes`.
 */
export function fieldValue(record: VisibilityRecord, name: string): unknown {
  switch (name) {
    case 'WorkflowId':
      return record.workflowId;
    case 'RunId':
      return record.runId;
    case 'WorkflowType':
      return record.workflowType;
    case 'TaskQueue':
      return record.taskQueue;
    case 'ExecutionStatus':
      return record.status;
    case 'StartTime':
      return record.startTime;
    case 'ExecutionTime':
      return record.executionTime;
    case 'CloseTime':
      return record.closeTime;
    case 'ExecutionDuration':
      // Temporal stores it in nanoseconds: close time minus execution time, once closed.
      return record.closeTime === undefined ? undefined : Math.round((record.closeTime - record.executionTime) * 1e6);
    default: {
      const value = record.searchAttributes[name];
      return value === null ? undefined : value;
    }
  }
}
