import { describe, expect, it } from 'vitest';
import { compileListFilter, ListFilterError } from '../../src/visibility/filter';
import type { VisibilityRecord } from '../../src/visibility/filter';
import { record, t, testRegistry } from './fixtures';

const records: VisibilityRecord[] = [
  record({
    workflowId: 'order-1',
    status: 'Running',
    startTime: t('2024-01-01T10:00:00Z'),
    searchAttributes: {
      CustomKeyword: 'alpha',
      CustomText: 'my-business-id-foobar',
      CustomInt: 5,
      CustomDouble: 0.5,
      CustomBool: true,
      CustomDatetime: t('2024-06-01T00:00:00Z'),
      CustomKeywordList: ['red', 'green'],
    },
  }),
  record({
    workflowId: 'order-2',
    workflowType: 'refundWorkflow',
    status: 'Completed',
    startTime: t('2024-01-02T10:00:00Z'),
    closeTime: t('2024-01-02T11:00:00Z'),
    searchAttributes: { CustomKeyword: 'beta', CustomText: 'Café Crème', CustomInt: 7, CustomBool: false },
  }),
  record({
    workflowId: 'invoice-3',
    taskQueue: 'billing',
    status: 'Failed',
    startTime: t('2024-01-03T10:00:00Z'),
    closeTime: t('2024-01-03T10:30:00Z'),
    searchAttributes: { CustomInt: -2, CustomDouble: 2.25, CustomKeywordList: ['blue'] },
  }),
  record({
    workflowId: 'order-~~',
    status: 'Terminated',
    startTime: t('2024-01-04T10:00:00Z'),
    closeTime: t('2024-01-05T00:00:00Z'),
    searchAttributes: {},
  }),
];

function ids(query: string): string[] {
  const filter = compileListFilter(query, testRegistry());
  return records.filter((r) => filter.matches(r)).map((r) => r.workflowId);
}

function sorted(query: string): string[] {
  const filter = compileListFilter(query, testRegistry());
  return records
    .filter((r) => filter.matches(r))
    .sort((a, b) => filter.compare(a, b))
    .map((r) => r.workflowId);
}

function errorOf(query: string): ListFilterError {
  try {
    compileListFilter(query, testRegistry());
  } catch (err) {
    if (err instanceof ListFilterError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('list filter: matching', () => {
  it.each<[string, string[]]>([
    ['', ['order-1', 'order-2', 'invoice-3', 'order-~~']],
    ['   ', ['order-1', 'order-2', 'invoice-3', 'order-~~']],
    ["WorkflowId = 'order-1'", ['order-1']],
    ['WorkflowId = "order-1"', ['order-1']],
    ["WorkflowId != 'order-1'", ['order-2', 'invoice-3', 'order-~~']],
    ["WorkflowId <> 'order-1'", ['order-2', 'invoice-3', 'order-~~']],
    ["WorkflowType = 'refundWorkflow'", ['order-2']],
    ["TaskQueue = 'billing'", ['invoice-3']],
    ["RunId = 'run-order-2'", ['order-2']],
    ["`WorkflowId` = 'order-2'", ['order-2']],
    ["WorkflowId STARTS_WITH 'order-'", ['order-1', 'order-2', 'order-~~']],
    ["WorkflowId NOT STARTS_WITH 'order-'", ['invoice-3']],
    // The docs' suffix trick: BETWEEN "order-" AND "order-~" excludes "order-~~".
    ["WorkflowId BETWEEN 'order-' AND 'order-~'", ['order-1', 'order-2']],
    ["WorkflowId IN ('order-1', 'invoice-3', 'nope')", ['order-1', 'invoice-3']],
    ["WorkflowId NOT IN ('order-1', 'invoice-3')", ['order-2', 'order-~~']],
    ["WorkflowId > 'order-1'", ['order-2', 'order-~~']],
    ["ExecutionStatus = 'Running'", ['order-1']],
    ["ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_COMPLETED'", ['order-2']],
    ['ExecutionStatus = 3', ['invoice-3']],
    ["ExecutionStatus != 'Running'", ['order-2', 'invoice-3', 'order-~~']],
    ["ExecutionStatus IN ('Failed', 'Terminated')", ['invoice-3', 'order-~~']],
    ["StartTime > '2024-01-02T10:00:00Z'", ['invoice-3', 'order-~~']],
    ["StartTime >= '2024-01-02T10:00:00Z'", ['order-2', 'invoice-3', 'order-~~']],
    ["StartTime < '2024-01-02T12:00:01+02:00'", ['order-1', 'order-2']],
    ["StartTime BETWEEN '2024-01-02T00:00:00Z' AND '2024-01-03T10:00:00Z'", ['order-2', 'invoice-3']],
    ["StartTime NOT BETWEEN '2024-01-02T00:00:00Z' AND '2024-01-03T10:00:00Z'", ['order-1', 'order-~~']],
    [`StartTime = ${BigInt(t('2024-01-03T10:00:00Z')) * 1_000_000n}`, ['invoice-3']],
    ["ExecutionTime = '2024-01-01T10:00:00Z'", ['order-1']],
    ['CloseTime IS NULL', ['order-1']],
    ['CloseTime IS NOT NULL', ['order-2', 'invoice-3', 'order-~~']],
    // A running execution has no close time: it is neither before nor after any instant.
    ["CloseTime > '2000-01-01T00:00:00Z'", ['order-2', 'invoice-3', 'order-~~']],
    ["ExecutionDuration > '45m'", ['order-2', 'order-~~']],
    ["ExecutionDuration < '1h'", ['invoice-3']],
    [`ExecutionDuration = ${3600n * 1_000_000_000n}`, ['order-2']],
    ["CustomKeyword = 'alpha'", ['order-1']],
    ["CustomKeyword != 'alpha'", ['order-2']], // missing values never match a comparison
    ["CustomKeyword STARTS_WITH 'be'", ['order-2']],
    ["CustomText = 'foobar'", ['order-1']],
    ["CustomText = 'FOOBAR'", ['order-1']],
    ["CustomText = 'foo'", []], // partial words do not match (docs: Text)
    ["CustomText = 'nothing business'", ['order-1']], // any query word
    ["CustomText = 'cafe'", ['order-2']], // diacritics folded like SQLite's unicode61
    ["CustomText != 'foobar'", ['order-2', 'invoice-3', 'order-~~']],
    ['CustomInt = 5', ['order-1']],
    ['CustomInt > 0', ['order-1', 'order-2']],
    ['CustomInt < -1', ['invoice-3']],
    ['CustomInt <= 5.5', ['order-1', 'invoice-3']],
    ['CustomInt BETWEEN -2 AND 5', ['order-1', 'invoice-3']],
    ['CustomInt IN (7, -2)', ['order-2', 'invoice-3']],
    ['CustomInt NOT IN (7, -2)', ['order-1']],
    ['CustomDouble >= 0.5', ['order-1', 'invoice-3']],
    ['CustomDouble = 2.25', ['invoice-3']],
    ['CustomDouble < 1e1', ['order-1', 'invoice-3']],
    ['CustomBool = true', ['order-1']],
    ['CustomBool = FALSE', ['order-2']],
    ['CustomBool != true', ['order-2']],
    ["CustomDatetime > '2024-05-31T23:59:59.999999Z'", ['order-1']],
    ["CustomDatetime = '2024-06-01T00:00:00.000001Z'", []],
    ["CustomKeywordList = 'red'", ['order-1']],
    ["CustomKeywordList = 're'", []],
    ["CustomKeywordList IN ('blue', 'green')", ['order-1', 'invoice-3']],
    ["CustomKeywordList != 'red'", ['order-2', 'invoice-3', 'order-~~']],
    ["CustomKeywordList NOT IN ('blue', 'green')", ['order-2', 'order-~~']],
    ['CustomKeywordList IS NULL', ['order-2', 'order-~~']],
    ['CustomInt IS NOT NULL', ['order-1', 'order-2', 'invoice-3']],
    ["TemporalChangeVersion = 'patch-1'", []],
  ])('%s', (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    // AND binds tighter than OR.
    ["WorkflowId = 'order-1' OR WorkflowId = 'order-2' AND CustomInt = 5", ['order-1']],
    ["(WorkflowId = 'order-1' OR WorkflowId = 'order-2') AND CustomInt = 7", ['order-2']],
    ["ExecutionStatus = 'Running' or ExecutionStatus = 'Failed' and TaskQueue = 'orders'", ['order-1']],
    ['((CustomInt > 0))', ['order-1', 'order-2']],
    ["NOT WorkflowId = 'order-1'", ['order-2', 'invoice-3', 'order-~~']],
    // order-~~ has no CustomInt: "false OR unknown" is unknown, and so is its NOT.
    ["NOT (WorkflowId = 'order-1' OR CustomInt = 7)", ['invoice-3']],
    ["NOT (WorkflowId = 'order-1' OR CustomInt IS NOT NULL)", ['order-~~']],
    // SQL three-valued logic: NOT of "unknown" (missing CustomInt) is still unknown.
    ['NOT CustomInt = 5', ['order-2', 'invoice-3']],
    ['CustomInt = 5 OR CustomInt != 5', ['order-1', 'order-2', 'invoice-3']],
    ['CustomInt = 5 OR CustomInt IS NULL', ['order-1', 'order-~~']],
  ])('%s', (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });

  it('matches attribute names case-sensitively, as Temporal does', () => {
    expect(errorOf("workflowid = 'x'").message).toContain("column name 'workflowid' is not a valid search attribute");
  });

  it('accepts keywords in any case and strings with escapes', () => {
    expect(ids("WorkflowId in ('order-1') AnD CustomBool = TRUE Or WorkflowId starts_with 'inv'")).toEqual([
      'order-1',
      'invoice-3',
    ]);
    const r = record({ workflowId: 'it\'s "quoted"\\' });
    expect(compileListFilter("WorkflowId = 'it''s \"quoted\"\\\\'", testRegistry()).matches(r)).toBe(true);
    expect(compileListFilter('WorkflowId = "it\'s \\"quoted\\"\\\\"', testRegistry()).matches(r)).toBe(true);
  });

  it('reads other system and predefined attributes from the record’s searchAttributes', () => {
    const r = record({ workflowId: 'child', searchAttributes: { ParentWorkflowId: 'parent', HistoryLength: 12 } });
    expect(compileListFilter("ParentWorkflowId = 'parent' AND HistoryLength > 10", testRegistry()).matches(r)).toBe(
      true,
    );
  });

  it('treats a stored null as unset', () => {
    const r = record({ workflowId: 'x', searchAttributes: { CustomInt: null } });
    expect(compileListFilter('CustomInt IS NULL', testRegistry()).matches(r)).toBe(true);
    expect(compileListFilter('CustomInt != 1', testRegistry()).matches(r)).toBe(false);
  });
});

describe('list filter: order', () => {
  it('defaults to open executions first, then most recently closed, then newest start', () => {
    expect(sorted('')).toEqual(['order-1', 'order-~~', 'invoice-3', 'order-2']);
  });

  it('breaks close-time ties by newest start and then by run id', () => {
    const a = record({ workflowId: 'a', runId: 'r2', startTime: 1, closeTime: 10 });
    const b = record({ workflowId: 'b', runId: 'r1', startTime: 1, closeTime: 10 });
    const c = record({ workflowId: 'c', runId: 'r0', startTime: 5, closeTime: 10 });
    const open1 = record({ workflowId: 'o1', runId: 'z', startTime: 1 });
    const open2 = record({ workflowId: 'o2', runId: 'y', startTime: 2 });
    const filter = compileListFilter('', testRegistry());
    expect([a, b, c, open1, open2].sort(filter.compare).map((r) => r.workflowId)).toEqual(['o2', 'o1', 'c', 'b', 'a']);
  });

  it.each<[string, string[]]>([
    ['ORDER BY StartTime', ['order-1', 'order-2', 'invoice-3', 'order-~~']],
    ['order by StartTime desc', ['order-~~', 'invoice-3', 'order-2', 'order-1']],
    ['ORDER BY CustomInt ASC', ['invoice-3', 'order-1', 'order-2', 'order-~~']], // missing last
    ['ORDER BY CustomInt DESC', ['order-2', 'order-1', 'invoice-3', 'order-~~']], // missing last too
    ['ORDER BY CloseTime DESC', ['order-~~', 'invoice-3', 'order-2', 'order-1']],
    // blue < green; the two without a list tie and fall back to the default order.
    ['ORDER BY CustomKeywordList ASC', ['invoice-3', 'order-1', 'order-~~', 'order-2']],
    ['ORDER BY CustomKeywordList DESC', ['order-1', 'invoice-3', 'order-~~', 'order-2']], // red > blue
    ['ORDER BY CustomBool, WorkflowId DESC', ['order-2', 'order-1', 'order-~~', 'invoice-3']],
    ["WorkflowId STARTS_WITH 'order' ORDER BY WorkflowId DESC", ['order-~~', 'order-2', 'order-1']],
    ['ORDER BY `ExecutionStatus`', ['order-2', 'invoice-3', 'order-1', 'order-~~']],
  ])('%s', (query, expected) => {
    expect(sorted(query)).toEqual(expected);
  });
});

describe('list filter: GROUP BY', () => {
  it('is accepted for counting by ExecutionStatus only', () => {
    const filter = compileListFilter("TaskQueue = 'orders' GROUP BY ExecutionStatus", testRegistry(), {
      allowGroupBy: true,
    });
    expect(filter.groupBy).toEqual(['ExecutionStatus']);
    expect(compileListFilter('', testRegistry()).groupBy).toEqual([]);
    expect(() => compileListFilter('GROUP BY WorkflowType', testRegistry(), { allowGroupBy: true })).toThrow(
      /only supported for ExecutionStatus/,
    );
    expect(() =>
      compileListFilter('GROUP BY ExecutionStatus, TaskQueue', testRegistry(), { allowGroupBy: true }),
    ).toThrow(/only a single field/);
  });

  it('is refused when listing', () => {
    expect(errorOf('GROUP BY ExecutionStatus').message).toContain("operation is not supported: 'group by' clause");
  });
});

describe('list filter: errors say what is wrong and where', () => {
  it.each<[string, string, number]>([
    ["Unknown = 'x'", "invalid query: invalid expression: column name 'Unknown' is not a valid search attribute", 1],
    ["WorkflowId = 'a' AND `Bad Name` = 1", "column name 'Bad Name' is not a valid search attribute", 22],
    [
      "CustomText STARTS_WITH 'a'",
      "operator 'STARTS_WITH' not supported for Text type search attribute 'CustomText'",
      1,
    ],
    ["CustomText > 'a'", "operator '>' not supported for Text type search attribute 'CustomText'", 1],
    ["CustomText IN ('a')", "operator 'IN' not supported for Text type search attribute 'CustomText'", 1],
    ["CustomKeywordList > 'a'", "operator '>' not supported for KeywordList type search attribute", 1],
    ["CustomKeywordList STARTS_WITH 'a'", "operator 'STARTS_WITH' not supported for KeywordList type", 1],
    ['CustomInt STARTS_WITH 1', "operator 'STARTS_WITH' not supported for Int type search attribute 'CustomInt'", 1],
    ['CustomBool BETWEEN true AND false', "cannot do range condition on search attribute 'CustomBool' of type Bool", 1],
    ["CustomText BETWEEN 'a' AND 'b'", "cannot do range condition on search attribute 'CustomText' of type Text", 1],
    ["CustomInt = 'five'", 'invalid value type for search attribute CustomInt of type Int', 13],
    ['CustomKeyword = 5', 'invalid value type for search attribute CustomKeyword of type Keyword', 17],
    ["CustomBool = 'true'", 'invalid value type for search attribute CustomBool of type Bool', 14],
    ['CustomDatetime = 1.5', 'invalid value type for search attribute CustomDatetime of type Datetime', 18],
    ["CustomText = '  --  '", 'no tokens found filtering on Text type search attribute CustomText', 14],
    ["StartTime > '2024-13-01T00:00:00Z'", "unable to parse datetime '2024-13-01T00:00:00Z'", 13],
    ["StartTime > '2024-02-30T00:00:00Z'", "unable to parse datetime '2024-02-30T00:00:00Z'", 13],
    ["StartTime > '2024-01-01 00:00:00'", "unable to parse datetime '2024-01-01 00:00:00'", 13],
    ["ExecutionStatus = 'running'", "invalid ExecutionStatus value 'running'", 19],
    ['ExecutionStatus = 9', 'invalid ExecutionStatus value 9', 19],
    ["ExecutionDuration > 'soon'", 'invalid duration value for search attribute ExecutionDuration', 21],
    [
      'WorkflowId = pending',
      "column name on the right side of comparison expression (did you forget to quote 'pending'?)",
      14,
    ],
    ["'order-1' = WorkflowId", 'must be a column name', 1],
    ['WorkflowId = NULL', 'use IS NULL or IS NOT NULL', 14],
    ['ORDER BY CustomText', 'unable to sort by search attribute type Text', 10],
    ['ORDER BY Nope', "column name 'Nope' is not a valid search attribute", 10],
    ["WorkflowId = 'a' LIMIT 5", "operation is not supported: 'limit' clause", 18],
  ])('%s', (query, message, position) => {
    const err = errorOf(query);
    expect(err.message).toMatch(/^invalid query: /);
    expect(err.message).toContain(message);
    expect(err.position).toBe(position);
    expect(err.message).toContain(`position ${position}`);
  });

  it.each<[string, number, string]>([
    ["WorkflowId = 'a' AND", 21, 'at the end of the query'],
    ["WorkflowId = 'a' AND OR", 22, "near 'OR'"],
    ["WorkflowId = 'a' extra", 18, "near 'extra'"],
    ['WorkflowId = order', 14, "near 'order'"],
    ["(WorkflowId = 'a'", 18, "expected ')'"],
    ["WorkflowId = 'a')", 17, "near ')'"],
    ["WorkflowId = 'unterminated", 14, 'unterminated string'],
    ['WorkflowId', 11, 'expected an operator'],
    ["WorkflowId == 'a'", 13, "near '='"],
    ["WorkflowId IN 'a'", 15, "expected '('"],
    ["WorkflowId IN ('a' 'b')", 20, "expected ',' or ')'"],
    ['WorkflowId IN ()', 16, 'expected a value'],
    ["StartTime BETWEEN '2024-01-01T00:00:00Z'", 41, 'AND between the two BETWEEN bounds'],
    ['CloseTime IS', 13, 'NULL or NOT NULL'],
    ['WorkflowId NOT', 15, 'IN, BETWEEN or STARTS_WITH after NOT'],
    ["WorkflowId = 'a' ; DROP TABLE x", 18, 'unexpected character ";"'],
    ['CustomInt = 12abc', 13, 'a number cannot run into a name'],
    ['ORDER BY', 9, 'a search attribute name after ORDER BY'],
    ["AND WorkflowId = 'a'", 1, "near 'AND'"],
  ])('malformed: %s', (query, position, detail) => {
    const err = errorOf(query);
    expect(err.message).toMatch(/^invalid query: malformed SQL query: syntax error /);
    expect(err.message).toContain(`position ${position}`);
    expect(err.message).toContain(detail);
    expect(err.position).toBe(position);
  });
});

describe('list filter: size limits', () => {
  it('handles very long AND / OR chains without deep recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => `CustomInt != ${i + 100}`).join(' AND ');
    expect(ids(`${chain} AND CustomInt = 5`)).toEqual(['order-1']);
    const alternatives = Array.from({ length: 20_000 }, (_, i) => `WorkflowId = 'x${i}'`).join(' OR ');
    expect(ids(`${alternatives} OR WorkflowId = 'order-2'`)).toEqual(['order-2']);
  });

  it('refuses nesting deeper than 100 levels with a ListFilterError, not a stack overflow', () => {
    const nested = (depth: number) => `${'('.repeat(depth)}CustomInt = 5${')'.repeat(depth)}`;
    expect(ids(nested(100))).toEqual(['order-1']);
    expect(errorOf(nested(10_000)).message).toContain('nested too deeply');
    expect(errorOf(`${'NOT '.repeat(10_000)}CustomInt = 5`).message).toContain('nested too deeply');
  });
});
