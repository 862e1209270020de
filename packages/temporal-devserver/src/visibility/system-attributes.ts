import type { SearchAttributeType } from './types';

/**
 * Search attributes the server derives from the execution itself; they can be queried but never set by a client
 * (temporalio/temporal `common/searchattribute/sadefs/constants.go`, `system`).
 */
export const SYSTEM_SEARCH_ATTRIBUTES: Readonly<Record<string, SearchAttributeType>> = Object.freeze({
  WorkflowId: 'Keyword',
  RunId: 'Keyword',
  WorkflowType: 'Keyword',
  StartTime: 'Datetime',
  ExecutionTime: 'Datetime',
  CloseTime: 'Datetime',
  ExecutionStatus: 'Keyword',
  TaskQueue: 'Keyword',
  HistoryLength: 'Int',
  ExecutionDuration: 'Int',
  StateTransitionCount: 'Int',
  HistorySizeBytes: 'Int',
  ParentWorkflowId: 'Keyword',
  ParentRunId: 'Keyword',
  RootWorkflowId: 'Keyword',
  RootRunId: 'Keyword',
});

/**
 * Attributes Temporal predefines and stores next to the custom ones (the SDK itself upserts `TemporalChangeVersion`
 * when a workflow calls `patched`). Same source, `predefined`.
 */
export const PREDEFINED_SEARCH_ATTRIBUTES: Readonly<Record<string, SearchAttributeType>> = Object.freeze({
  TemporalChangeVersion: 'KeywordList',
  BinaryChecksums: 'KeywordList',
  BuildIds: 'KeywordList',
  BatcherNamespace: 'Keyword',
  BatcherUser: 'Keyword',
  TemporalScheduledStartTime: 'Datetime',
  TemporalScheduledById: 'Keyword',
  TemporalSchedulePaused: 'Bool',
  TemporalNamespaceDivision: 'Keyword',
  TemporalPauseInfo: 'KeywordList',
  TemporalReportedProblems: 'KeywordList',
  TemporalWorkerDeploymentVersion: 'Keyword',
  TemporalWorkflowVersioningBehavior: 'Keyword',
  TemporalWorkerDeployment: 'Keyword',
  TemporalUsedWorkerDeploymentVersions: 'KeywordList',
});

/** Internal field names that can never be search attribute names (same source, `reserved`). */
const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set(['NamespaceId', 'MemoEncoding', 'Memo', 'VisibilityTaskKey']);

const RESERVED_PREFIX = 'Temporal';

export function isSystemSearchAttribute(name: string): boolean {
  return Object.hasOwn(SYSTEM_SEARCH_ATTRIBUTES, name);
}

export function predefinedTypeOf(name: string): SearchAttributeType | undefined {
  return Object.hasOwn(PREDEFINED_SEARCH_ATTRIBUTES, name) ? PREDEFINED_SEARCH_ATTRIBUTES[name] : undefined;
}

/** Names a user may not register as custom search attributes (sadefs `IsReserved`). */
export function isReservedSearchAttributeName(name: string): boolean {
  return (
    isSystemSearchAttribute(name) ||
    predefinedTypeOf(name) !== undefined ||
    RESERVED_FIELD_NAMES.has(name) ||
    name.startsWith(RESERVED_PREFIX)
  );
}
