import type { OrderTerm } from './ast';
import { compareValues } from './compare-values';
import { resolveField } from './compile-condition';
import { ListFilterError } from './errors';
import type { VisibilityRecord } from './record';
import { fieldValue } from './record-fields';
import type { SearchAttributeRegistry } from './search-attributes';

export type Comparator = (a: VisibilityRecord, b: VisibilityRecord) => number;

/**
 * Temporal's SQL stores list by `COALESCE(close_time, '9999-12-31') DESC, start_time DESC, run_id`
 * (temporalio/temporal `store/sql/query_converter_*.go`, `buildSelectStmt`): open executions first, then the most
 * recently closed; the newest start breaks ties, then the run id.
 */
export const defaultOrder: Comparator = (a, b) =>
  (b.closeTime ?? Infinity) - (a.closeTime ?? Infinity) || b.startTime - a.startTime || compareValues(a.runId, b.runId);

/**
 * ORDER BY as Temporal's Elasticsearch store runs it: any attribute but Text, missing values last in either
 * direction, a KeywordList by its smallest item ascending and its largest descending. The default order breaks
 * ties so that paging is stable.
 */
export function compileOrder(terms: OrderTerm[], registry: SearchAttributeRegistry): Comparator {
  if (terms.length === 0) return defaultOrder;
  const keys = terms.map((term) => {
    const field = resolveField(term.column, registry);
    if (field.type === 'Text') {
      throw new ListFilterError(
        `invalid query: operation is not supported: unable to sort by search attribute type Text ` +
          `('${field.name}' at position ${field.position})`,
        field.position,
      );
    }
    const direction = term.descending ? -1 : 1;
    const sortValue = (r: VisibilityRecord): unknown => {
      const value = fieldValue(r, field.name);
      if (!Array.isArray(value)) return value ?? undefined;
      const sorted = [...(value as unknown[])].sort(compareValues);
      return term.descending ? sorted[sorted.length - 1] : sorted[0];
    };
    return { direction, sortValue };
  });
  return (a, b) => {
    for (const { direction, sortValue } of keys) {
      const x = sortValue(a);
      const y = sortValue(b);
      if (x === undefined || y === undefined) {
        if (x !== y) return x === undefined ? 1 : -1;
        continue;
      }
      const cmp = compareValues(x, y);
      if (cmp !== 0) return direction * cmp;
    }
    return defaultOrder(a, b);
  };
}
