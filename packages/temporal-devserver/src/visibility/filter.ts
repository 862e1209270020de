import { compileCondition } from './compile-condition';
import { ListFilterError } from './errors';
import { compileOrder } from './ordering';
import { parseListFilter } from './parser';
import type { VisibilityRecord } from './record';
import type { SearchAttributeRegistry } from './search-attributes';

export { ListFilterError } from './errors';
export type { ExecutionStatusName, VisibilityRecord } from './record';

export interface CompiledFilter {
  readonly matches: (r: VisibilityRecord) => boolean;
  /** ORDER BY, or Temporal's default order when none (open first, then latest closed; newest start; run id). */
  readonly compare: (a: VisibilityRecord, b: VisibilityRecord) => number;
  /** GROUP BY attribute names (only with `allowGroupBy`; Temporal allows just `ExecutionStatus`), else empty. */
  readonly groupBy: readonly string[];
}

export interface CompileOptions {
  /** CountWorkflowExecutions accepts `GROUP BY ExecutionStatus`; ListWorkflowExecutions does not (the default). */
  allowGroupBy?: boolean | undefined;
}

/**
 * Compiles Temporal's list filter (docs.temporal.io/list-filter) against a namespace's search attributes.
 * Throws ListFilterError, whose message (Temporal's wording where it has one) says what is wrong and where.
 * An empty query matches every execution.
 */
export function compileListFilter(
  query: string,
  registry: SearchAttributeRegistry,
  options: CompileOptions = {},
): CompiledFilter {
  const parsed = parseListFilter(query);
  const predicate = parsed.where ? compileCondition(parsed.where, registry) : () => true;
  const compare = compileOrder(parsed.orderBy, registry);
  const groupBy = parsed.groupBy.map((column) => {
    if (!options.allowGroupBy) {
      throw new ListFilterError(
        `invalid query: operation is not supported: 'group by' clause (at position ${column.position}); ` +
          `it is only allowed when counting`,
        column.position,
      );
    }
    if (parsed.groupBy.length > 1) {
      throw new ListFilterError(
        `invalid query: operation is not supported: 'group by' clause supports only a single field ` +
          `(at position ${column.position})`,
        column.position,
      );
    }
    if (column.name !== 'ExecutionStatus') {
      throw new ListFilterError(
        `invalid query: operation is not supported: 'group by' clause is only supported for ExecutionStatus ` +
          `search attribute (got '${column.name}' at position ${column.position})`,
        column.position,
      );
    }
    return column.name;
  });
  return {
    matches: (r) => predicate(r) === true,
    compare,
    groupBy,
  };
}
