// ListWorkflowExecutions / ScanWorkflowExecutions / CountWorkflowExecutions over every run of a
// namespace, filtered and ordered by the visibility module's list-filter compiler.
import { executionInfo, visibilityRecord } from './describe';
import type { Engine } from './engine';
import { invalidArgument } from './errors';
import type { Handlers } from './grpc';
import { compileListFilter, ListFilterError, type CompiledFilter } from './visibility/filter';
import type { SearchAttributeRegistry } from './visibility/search-attributes';

const DEFAULT_PAGE_SIZE = 1000;

interface ListRequest {
  namespace?: string;
  pageSize?: number;
  nextPageToken?: Uint8Array;
  query?: string;
}

function compile(query: string | undefined, registry: SearchAttributeRegistry, allowGroupBy = false): CompiledFilter {
  try {
    return compileListFilter(query ?? '', registry, { allowGroupBy });
  } catch (err) {
    if (err instanceof ListFilterError) throw invalidArgument(err.message);
    throw err;
  }
}

function decodeOffset(token: Uint8Array | undefined): number {
  if (!token || token.length === 0) return 0;
  const offset = Number(Buffer.from(token).toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw invalidArgument('Invalid NextPageToken.');
  return offset;
}

export function visibilityHandlers(engine: Engine): Handlers {
  const list = (req: ListRequest) => {
    const ns = engine.namespace(req.namespace);
    const filter = compile(req.query, ns.registry);
    const matching = [...ns.allRuns()]
      .map((exec) => ({ exec, record: visibilityRecord(exec) }))
      .filter((r) => filter.matches(r.record));
    matching.sort((a, b) => filter.compare(a.record, b.record));
    const offset = decodeOffset(req.nextPageToken);
    const pageSize = req.pageSize && req.pageSize > 0 ? req.pageSize : DEFAULT_PAGE_SIZE;
    const page = matching.slice(offset, offset + pageSize);
    const next = offset + page.length;
    return {
      executions: page.map((r) => executionInfo(r.exec)),
      nextPageToken: next < matching.length ? Buffer.from(String(next)) : undefined,
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
