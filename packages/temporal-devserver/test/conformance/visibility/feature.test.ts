import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { grpcCode, thrown } from '../support/errors';
import {
  conformanceBool,
  conformanceDatetime,
  conformanceDouble,
  conformanceInt,
  conformanceKeyword,
  conformanceKeywordList,
  conformanceSearchAttributes,
  conformanceText,
} from '../support/search-attributes';
import { defineSuite, uniqueId } from '../support/suite';
import { waitFor } from '../../support/wait';
import { finishSignal, listedWorkflow, otherListedWorkflow, setIntSignal } from './workflows';

const suite = defineSuite({
  mode: 'local',
  workflowsPath: path.join(__dirname, 'workflows.ts'),
  searchAttributes: conformanceSearchAttributes,
});

/** Every execution of this file carries TactConfKeyword = batch, so other files' workflows never interfere. */
const batch = uniqueId('vis');
const DAY = 86_400_000;
const baseTime = Date.UTC(2030, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const id = (n: number | 'other') => `${batch}-${n}`;
let startedBefore: number;
const handles: WorkflowHandle[] = [];

/** Workflow ids (as batch indexes) listed for `filter` within this batch, sorted. */
async function listed(filter: string): Promise<string[]> {
  const found: string[] = [];
  for await (const info of suite.client.workflow.list({ query: `TactConfKeyword = '${batch}' AND (${filter})` })) {
    found.push(info.workflowId.slice(batch.length + 1));
  }
  return found.sort();
}

async function counted(filter: string): Promise<number> {
  return (await suite.client.workflow.count(`TactConfKeyword = '${batch}' AND (${filter})`)).count;
}

beforeAll(async () => {
  startedBefore = Date.now() - 1000;
  for (let i = 0; i < 6; i++) {
    handles.push(
      await suite.client.workflow.start(listedWorkflow, {
        taskQueue: suite.taskQueue,
        workflowId: id(i),
        typedSearchAttributes: new TypedSearchAttributes([
          { key: conformanceKeyword, value: batch },
          { key: conformanceText, value: i === 0 ? 'my-business-id-foobar' : `plain words number ${i}` },
          { key: conformanceInt, value: i },
          { key: conformanceDouble, value: i + 0.5 },
          { key: conformanceBool, value: i % 2 === 0 },
          { key: conformanceDatetime, value: new Date(baseTime + i * DAY) },
          { key: conformanceKeywordList, value: [i < 3 ? 'low' : 'high', `n${i}`] },
        ]),
      }),
    );
  }
  const other = await suite.client.workflow.start(otherListedWorkflow, {
    taskQueue: suite.taskQueue,
    workflowId: id('other'),
    typedSearchAttributes: new TypedSearchAttributes([{ key: conformanceKeyword, value: batch }]),
  });
  await other.result();
  await handles[4]!.signal(finishSignal, 'complete');
  await handles[4]!.result();
  await handles[5]!.signal(finishSignal, 'fail');
  await handles[5]!.result().catch(() => undefined);

  // Visibility is eventually consistent on Temporal's servers: wait until every state change is listed.
  await waitFor('the batch to be visible with its final statuses', async () => {
    const [all, running, closed] = await Promise.all([
      counted('TactConfKeyword IS NOT NULL'),
      counted("ExecutionStatus = 'Running'"),
      counted("ExecutionStatus IN ('Completed', 'Failed')"),
    ]);
    return all === 7 && running === 4 && closed === 3 ? true : undefined;
  });
});

afterAll(async () => {
  await Promise.all(handles.slice(0, 4).map((h) => h.terminate('conformance cleanup').catch(() => undefined)));
});

describe('visibility: list filters over system attributes', () => {
  it.each<[string, () => string, string[]]>([
    ['WorkflowId =', () => `WorkflowId = '${id(2)}'`, ['2']],
    ['WorkflowId IN', () => `WorkflowId IN ('${id(1)}', '${id(3)}', 'not-there')`, ['1', '3']],
    ['WorkflowId STARTS_WITH', () => `WorkflowId STARTS_WITH '${batch}-o'`, ['other']],
    ['WorkflowType =', () => "WorkflowType = 'otherListedWorkflow'", ['other']],
    ['WorkflowType !=', () => "WorkflowType != 'otherListedWorkflow'", ['0', '1', '2', '3', '4', '5']],
    ['TaskQueue =', () => `TaskQueue = '${suite.taskQueue}'`, ['0', '1', '2', '3', '4', '5', 'other']],
    ['ExecutionStatus =', () => "ExecutionStatus = 'Running'", ['0', '1', '2', '3']],
    ['ExecutionStatus = Failed', () => 'ExecutionStatus = "Failed"', ['5']],
    ['ExecutionStatus IN', () => "ExecutionStatus IN ('Completed', 'Failed')", ['4', '5', 'other']],
    ['ExecutionStatus !=', () => "ExecutionStatus != 'Running'", ['4', '5', 'other']],
    ['StartTime >', () => `StartTime > '${iso(startedBefore)}'`, ['0', '1', '2', '3', '4', '5', 'other']],
    ['StartTime <', () => `StartTime < '${iso(startedBefore)}'`, []],
    ['CloseTime IS NULL', () => 'CloseTime IS NULL', ['0', '1', '2', '3']],
    ['CloseTime IS NOT NULL', () => 'CloseTime IS NOT NULL', ['4', '5', 'other']],
  ])('%s', async (_name, filter, expected) => {
    expect(await listed(filter())).toEqual(expected);
  });
});

describe('visibility: list filters over custom search attributes of every type', () => {
  it.each<[string, string, string[]]>([
    ['Keyword STARTS_WITH', `TactConfKeyword STARTS_WITH 'vis-'`, ['0', '1', '2', '3', '4', '5', 'other']],
    ['Text: a whole word matches', "TactConfText = 'foobar'", ['0']],
    ['Text: part of a word does not', "TactConfText = 'foo'", []],
    ['Text: any word of the query', "TactConfText = 'number'", ['1', '2', '3', '4', '5']],
    ['Int =', 'TactConfInt = 3', ['3']],
    ['Int > and <=', 'TactConfInt > 2 AND TactConfInt <= 4', ['3', '4']],
    ['Int BETWEEN', 'TactConfInt BETWEEN 1 AND 3', ['1', '2', '3']],
    ['Int IN', 'TactConfInt IN (0, 5)', ['0', '5']],
    ['Int NOT IN', 'TactConfInt NOT IN (0, 5) AND TactConfInt IS NOT NULL', ['1', '2', '3', '4']],
    ['Double >=', 'TactConfDouble >= 4.5', ['4', '5']],
    ['Double BETWEEN', 'TactConfDouble BETWEEN 1 AND 3', ['1', '2']],
    ['Bool = true', 'TactConfBool = true', ['0', '2', '4']],
    ['Bool = false', 'TactConfBool = false', ['1', '3', '5']],
    ['Datetime >=', `TactConfDatetime >= '${iso(Date.UTC(2030, 0, 4))}'`, ['3', '4', '5']],
    ['Datetime BETWEEN', `TactConfDatetime BETWEEN '2030-01-02T00:00:00Z' AND '2030-01-03T00:00:00+00:00'`, ['1', '2']],
    ['Datetime < with an offset', `TactConfDatetime < '2030-01-02T01:00:00+00:30'`, ['0', '1']],
    ['KeywordList = (contains)', "TactConfKeywordList = 'low'", ['0', '1', '2']],
    ['KeywordList = with double quotes', 'TactConfKeywordList = "high"', ['3', '4', '5']],
    ['KeywordList IN (contains any)', "TactConfKeywordList IN ('n4', 'n0')", ['0', '4']],
    ['IS NULL on a custom attribute', 'TactConfInt IS NULL', ['other']],
    ['AND binds tighter than OR', 'TactConfInt = 0 OR TactConfInt = 1 AND TactConfBool = true', ['0']],
    ['parentheses group', '(TactConfInt = 0 OR TactConfInt = 1) AND TactConfBool = false', ['1']],
    ['keywords in any case', 'TactConfInt in (1, 2) and TactConfBool = FALSE or TactConfInt = 5', ['1', '5']],
    ['backquoted names', '`TactConfInt` = 2', ['2']],
  ])('%s', async (_name, filter, expected) => {
    expect(await listed(filter)).toEqual(expected);
  });

  it('count agrees with list', async () => {
    for (const filter of ["ExecutionStatus = 'Running'", 'TactConfInt >= 2', "TactConfKeywordList = 'high'"]) {
      expect(await counted(filter)).toBe((await listed(filter)).length);
    }
    expect((await suite.client.workflow.count()).count).toBeGreaterThanOrEqual(7);
  });

  it('listed executions carry their status, type and typed search attributes', async () => {
    const infos = [];
    for await (const info of suite.client.workflow.list({ query: `WorkflowId = '${id(2)}'` })) infos.push(info);
    expect(infos).toHaveLength(1);
    const info = infos[0]!;
    expect(info.type).toBe('listedWorkflow');
    expect(info.taskQueue).toBe(suite.taskQueue);
    expect(info.status.name).toBe('RUNNING');
    expect(info.closeTime).toBeUndefined();
    const sa = info.typedSearchAttributes;
    expect(sa.get(conformanceKeyword)).toBe(batch);
    expect(sa.get(conformanceText)).toBe('plain words number 2');
    expect(sa.get(conformanceInt)).toBe(2);
    expect(sa.get(conformanceDouble)).toBe(2.5);
    expect(sa.get(conformanceBool)).toBe(true);
    expect(sa.get(conformanceDatetime)?.toISOString()).toBe(iso(baseTime + 2 * DAY));
    expect(sa.get(conformanceKeywordList)).toEqual(['low', 'n2']);
  });

  it('an upserted value becomes listable', async () => {
    await handles[0]!.signal(setIntSignal, 100);
    const found = await waitFor('the upserted TactConfInt to be listed', async () => {
      const ids = await listed('TactConfInt = 100');
      return ids.length > 0 ? ids : undefined;
    });
    expect(found).toEqual(['0']);
  });
});

describe('visibility: order and paging', () => {
  it('lists open executions first (newest start first), then closed ones by latest close', async () => {
    const infos = [];
    for await (const info of suite.client.workflow.list({ query: `TactConfKeyword = '${batch}'` })) infos.push(info);
    expect(infos).toHaveLength(7);
    const open = infos.filter((i) => i.closeTime === undefined);
    const closed = infos.filter((i) => i.closeTime !== undefined);
    expect(infos.slice(0, open.length)).toEqual(open);
    for (let k = 1; k < open.length; k++) {
      expect(open[k - 1]!.startTime.getTime()).toBeGreaterThanOrEqual(open[k]!.startTime.getTime());
    }
    for (let k = 1; k < closed.length; k++) {
      expect(closed[k - 1]!.closeTime!.getTime()).toBeGreaterThanOrEqual(closed[k]!.closeTime!.getTime());
    }
  });

  it('pages of pageSize follow nextPageToken and visit every match exactly once', async () => {
    const service = suite.client.connection.workflowService;
    const seen: string[] = [];
    let nextPageToken: Uint8Array | undefined;
    let pages = 0;
    do {
      const page = await service.listWorkflowExecutions({
        namespace: suite.client.options.namespace,
        query: `TactConfKeyword = '${batch}'`,
        pageSize: 2,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      pages++;
      expect(page.executions.length).toBeLessThanOrEqual(2);
      seen.push(...page.executions.map((e) => e.execution!.workflowId!));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      expect(pages).toBeLessThan(10);
    } while (nextPageToken);
    expect(seen.sort()).toEqual(([0, 1, 2, 3, 4, 5, 'other'] as const).map((n) => id(n)).sort());

    const viaClient = [];
    for await (const info of suite.client.workflow.list({ query: `TactConfKeyword = '${batch}'`, pageSize: 3 })) {
      viaClient.push(info.workflowId);
    }
    expect(viaClient.sort()).toEqual(seen);
  });
});

/** The messages of an SDK error and of the errors it wraps (the client wraps the gRPC error in a ServiceError). */
function messages(err: unknown): string {
  const found: string[] = [];
  for (let current = err; current instanceof Error; current = current.cause) found.push(current.message);
  return found.join(' | ');
}

describe('visibility: malformed filters', () => {
  it.each([
    ['a syntax error', 'TactConfInt = ', 'invalid query'],
    ['an unknown search attribute', "NoSuchAttribute = 'x'", 'NoSuchAttribute'],
    ['an operator the type does not allow', "TactConfText STARTS_WITH 'foo'", 'invalid query'],
    ['a range on a Bool', 'TactConfBool BETWEEN true AND false', 'TactConfBool'],
    ['an unknown execution status', "ExecutionStatus = 'Sleeping'", 'Sleeping'],
    ['an unbalanced parenthesis', "(WorkflowId = 'x'", 'invalid query'],
  ])('%s is INVALID_ARGUMENT from list and count', async (_name, query, mentioned) => {
    const listError = await thrown(async () => {
      for await (const _ of suite.client.workflow.list({ query })) {
        // draining the iterator sends the request
      }
    });
    expect(grpcCode(listError)).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(messages(listError)).toContain(mentioned);

    const countError = await thrown(() => suite.client.workflow.count(query));
    expect(grpcCode(countError)).toBe(grpcStatus.INVALID_ARGUMENT);
  });
});
