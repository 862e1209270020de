import { SearchAttributeRegistry, type SearchAttributeType } from '../../src/visibility/search-attributes';
import type { VisibilityRecord } from '../../src/visibility/filter';

/** One custom search attribute of every type. */
export const CUSTOM_TYPES: Readonly<Record<string, SearchAttributeType>> = {
  CustomKeyword: 'Keyword',
  CustomText: 'Text',
  CustomInt: 'Int',
  CustomDouble: 'Double',
  CustomBool: 'Bool',
  CustomDatetime: 'Datetime',
  CustomKeywordList: 'KeywordList',
};

export function testRegistry(): SearchAttributeRegistry {
  return new SearchAttributeRegistry(CUSTOM_TYPES);
}

export const t = (iso: string): number => Date.parse(iso);

export function record(overrides: Partial<VisibilityRecord> & { workflowId: string }): VisibilityRecord {
  return {
    runId: `run-${overrides.workflowId}`,
    workflowType: 'orderWorkflow',
    taskQueue: 'orders',
    status: 'Running',
    startTime: t('2024-01-01T00:00:00Z'),
    executionTime: overrides.startTime ?? t('2024-01-01T00:00:00Z'),
    searchAttributes: {},
    ...overrides,
  };
}
