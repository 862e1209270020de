// ListWorkflowExecutions / ScanWorkflowExecutions / CountWorkflowExecutions over every run of a
// namespace, filtered and ordered by the visibility module's list-filter compiler.
import type { temporal } from '@temporalio/proto';
import { executionInfo, visibilityRecord } from './describe';
import type { Engine } from './engine';
import { invalidArgument } from './errors';
import type { WorkflowServiceHandlers } from './grpc';
import type { Decoded } from './proto';
import { compileListFilter, ListFilterError, type CompiledFilter } from './visibility/filter';
import { listPage, type ListPage } from './visibility/paging';
import type { SearchAttributeRegistry } from './visibility/search-attributes';

/** List and Scan take the same request. */
type ListRequest =
  | Decoded<temporal.api.workflowservice.v1.IListWorkflowExecutionsRequest>
  | Decoded<temporal.api.workflowservice.v1.IScanWorkflowExecutionsRequest>;

function compile(query: string | undefined, registry: SearchAttributeRegistry, allowGroupBy = false): CompiledFilter {
  try {
    return compileListFilter(query ?? '', registry, { allowGroupBy });
  } catch (err) {
    if (err instanceof ListFilterError) throw invalidArgument(err.message);
    throw err;
  }
}

export function visibilityHandlers(engine: Engine): WorkflowServiceHandlers {
  const list = (req: ListRequest) => {
    const ns = engine.namespace(req.namespace);
    const filter = compile(req.query, ns.registry);
    const runs = new Map([...ns.allRuns()].map((exec) => [exec, visibilityRecord(exec)] as const));
    const execByRunId = new Map([...runs].map(([exec, record]) => [record.runId, exec]));
    let page: ListPage;
    try {
      page = listPage(runs.values(), filter, req.pageSize ?? 0, req.nextPageToken);
    } catch (err) {
      if (err instanceof ListFilterError) throw invalidArgument(err.message);
      throw err;
    }
    return {
      executions: page.records.map((r) => executionInfo(execByRunId.get(r.runId)!)),
      nextPageToken: page.nextPageToken,
    };
  };
  return {
    ListWorkflowExecutions: list,
    ScanWorkflowExecutions: list,
    CountWorkflowExecutions: (req) => {
      const ns = engine.namespace(req.namespace);
      const filter = compile(req.query, ns.registry, true);
      const records = [...ns.allRuns()].map(visibilityRecord).filter((r) => filter.matches(r));
      if (filter.groupBy.length === 0) return { count: records.length };
      const counts = new Map<string, number>();
      for (const r of records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      return {
        count: records.length,
        groups: [...counts].map(([status, count]) => ({
          groupValues: [
            {
              metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('Keyword') },
              data: Buffer.from(JSON.stringify(status)),
            },
          ],
          count,
        })),
      };
    },
  };
}
