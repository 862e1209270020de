import { ListFilterError } from './errors';
import type { CompiledFilter } from './filter';
import type { VisibilityRecord } from './record';

/** Temporal's default and maximum visibility page size (dynamic config `frontend.visibilityMaxPageSize`). */
export const MAX_PAGE_SIZE = 1000;

export interface ListPage {
  records: VisibilityRecord[];
  /** Absent on the last page. */
  nextPageToken?: Uint8Array | undefined;
}

/**
 * One page of ListWorkflowExecutions. The token holds the last record listed and the next page starts after it
 * in the filter's order (keyset paging, as Temporal's SQL stores page), so executions that start or close between
 * two calls never make a page repeat or skip the ones already ordered before it.
 * A page size of 0 means the maximum; a larger one is refused like Temporal's frontend refuses it.
 */
export function listPage(
  records: Iterable<VisibilityRecord>,
  filter: CompiledFilter,
  pageSize: number,
  pageToken?: Uint8Array | null,
): ListPage {
  if (pageSize > MAX_PAGE_SIZE) {
    throw new ListFilterError(`PageSize is larger than allowed ${MAX_PAGE_SIZE}.`);
  }
  const size = pageSize > 0 ? Math.floor(pageSize) : MAX_PAGE_SIZE;
  const after = decodeToken(pageToken);
  const matching = [...records]
    .filter((r) => filter.matches(r) && (after === undefined || filter.compare(r, after) > 0))
    .sort((a, b) => filter.compare(a, b));
  const page = matching.slice(0, size);
  const last = page[page.length - 1];
  return matching.length > size && last !== undefined
    ? { records: page, nextPageToken: new TextEncoder().encode(JSON.stringify(last)) }
    : { records: page };
}

function decodeToken(token: Uint8Array | null | undefined): VisibilityRecord | undefined {
  if (!token || token.length === 0) return undefined;
  try {
    const record = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(token)) as unknown;
    if (isRecord(record)) return record;
  } catch {
    // reported below
  }
  throw new ListFilterError('Invalid NextPageToken: it was not issued by ListWorkflowExecutions.');
}

function isRecord(value: unknown): value is VisibilityRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['workflowId'] === 'string' &&
    typeof r['runId'] === 'string' &&
    typeof r['startTime'] === 'number' &&
    typeof r['executionTime'] === 'number' &&
    (r['closeTime'] === undefined || typeof r['closeTime'] === 'number') &&
    r['searchAttributes'] !== null &&
    typeof r['searchAttributes'] === 'object'
  );
}
