// ListWorkflowExecutions / ScanWorkflowExecutions / CountWorkflowExecutions over every run of a
// namespace, filtered and ordered by the visibility module's list-filter compiler.
import { executionInfo, visibilityRecord } from './describe';
import type { Engine } from './engine';
import { invalidArgument } from './errors';
import type { Handlers } from './grpc';
import { compileListFilter, ListFilterError, type CompiledFilter } from './visibility/filter';
import { listPage, type ListPage } from './visibility/paging';
import type { SearchAttributeRegistry } from './visibility/search-attributes';

interface ListRequest {
  namespace?: string | undefined;
  pageSize?: number | undefined;
  nextPageToken?: Uint8Array | undefined;
  query?: string | undefined;
}

function compile(query: string | undefined, registry: SearchAttributeRegistry, allowGroupBy = false): CompiledFilter {
  try {
    return compileListFilter(query ?? '', registry, { allowGroupBy });
  } catch (err) {
    if (err instanceof ListFilterError) throw invalidArgument(err.message);
    throw err;
  }
}

export function visibilityHandlers(engine: Engine): Handlers {
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
    CountWorkflowExecutions: (req: { namespace?: string; query?: string }) => {
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
