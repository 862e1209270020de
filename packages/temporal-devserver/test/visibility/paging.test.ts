import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileListFilter, ListFilterError } from '../../src/visibility/filter';
import type { VisibilityRecord } from '../../src/visibility/filter';
import { listPage, MAX_PAGE_SIZE } from '../../src/visibility/paging';
import { record, testRegistry } from './fixtures';

function executions(n: number): VisibilityRecord[] {
  return Array.from({ length: n }, (_, i) =>
    record({
      workflowId: `wf-${i}`,
      runId: `run-${String(i).padStart(3, '0')}`,
      startTime: 1000 + (i % 4), // ties on purpose: the run id breaks them
      ...(i % 3 === 0 ? { closeTime: 5000 + i } : {}),
      searchAttributes: { CustomInt: i % 5 },
    }),
  );
}

function drain(records: VisibilityRecord[], query: string, pageSize: number): string[][] {
  const filter = compileListFilter(query, testRegistry());
  const pages: string[][] = [];
  let token: Uint8Array | undefined;
  do {
    const page = listPage(records, filter, pageSize, token);
    pages.push(page.records.map((r) => r.workflowId));
    token = page.nextPageToken;
  } while (token);
  return pages;
}

describe('listPage', () => {
  it('pages through every match once, in the filter’s order, the last page without a token', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(
          '',
          'CustomInt >= 2',
          'ORDER BY CustomInt DESC',
          "ExecutionStatus = 'Running' ORDER BY StartTime",
        ),
        (n, pageSize, query) => {
          const records = executions(n);
          const filter = compileListFilter(query, testRegistry());
          const expected = records
            .filter(filter.matches)
            .sort(filter.compare)
            .map((r) => r.workflowId);
          const pages = drain(records, query, pageSize);
          expect(pages.flat()).toEqual(expected);
          for (const page of pages.slice(0, -1)) expect(page).toHaveLength(pageSize);
          expect(pages[pages.length - 1]!.length).toBeLessThanOrEqual(pageSize);
          if (expected.length > 0) expect(pages[pages.length - 1]!.length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('neither repeats nor skips already-ordered executions when new ones start between pages', () => {
    const records = executions(10).filter((r) => r.closeTime !== undefined); // closed: ordered by close time
    const filter = compileListFilter('', testRegistry());
    const first = listPage(records, filter, 2);
    // A new execution starts (open executions come first, so it sorts before the cursor).
    const grown = [...records, record({ workflowId: 'late', runId: 'zzz', startTime: 9999 })];
    const rest = listPage(grown, filter, 100, first.nextPageToken);
    const all = [...first.records, ...rest.records].map((r) => r.workflowId);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(records.map((r) => r.workflowId).sort());
  });

  it('uses the maximum for a page size of 0 and refuses a larger one like Temporal', () => {
    const filter = compileListFilter('', testRegistry());
    expect(listPage(executions(3), filter, 0).records).toHaveLength(3);
    expect(() => listPage(executions(3), filter, MAX_PAGE_SIZE + 1)).toThrow('PageSize is larger than allowed 1000.');
  });

  it.each([new TextEncoder().encode('garbage'), new TextEncoder().encode('{"workflowId":1}'), new Uint8Array([0xff])])(
    'refuses a token it did not issue',
    (token) => {
      const filter = compileListFilter('', testRegistry());
      expect(() => listPage(executions(3), filter, 1, token)).toThrow(ListFilterError);
    },
  );
});
