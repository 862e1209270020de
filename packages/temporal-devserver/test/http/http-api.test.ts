// Temporal's HTTP API on the dev server: every WorkflowService and OperatorService method the server implements
// answers the same over HTTP (JSON, routes from the proto annotations) as through the SDK's gRPC client, errors
// included; and the JSON is proto3 JSON as Temporal's server writes it.
import * as grpc from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromProtoJson } from '../../src/http/proto-json';
import { loadRoutes, type Route } from '../../src/http/routes';
import { startHarness, type Harness } from '../devserver/harness';
import { installQuietRuntime } from '../support/quiet-runtime';
import { waitFor } from '../support/wait';

installQuietRuntime();

const taskQueue = 'http-api';
let harness: Harness;
let http: string;

beforeAll(async () => {
  harness = await startHarness(taskQueue, {
    httpPort: 0,
    searchAttributes: { TactNextSendAt: 'Datetime', TactQueueSize: 'Int' },
  });
  http = harness.server.httpUrl!;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

const routes = loadRoutes();
const api = (method: string): Route => {
  const route = routes.find((r) => r.method === method && r.template.startsWith('/api/v1/'));
  if (!route) throw new Error(`no /api/v1 route for ${method}`);
  return route;
};

type Json = Record<string, unknown>;
const longForm = { payloadShorthand: false };
const payload = (value: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});

/** The request as proto3 JSON → a URL (path variables from the request, the rest as query parameters) and body. */
function httpRequest(route: Route, request: Json): { url: string; init: RequestInit } {
  const used = new Set<string>();
  const path = route.segments
    .map((s) => {
      if ('literal' in s) return s.literal;
      const camel = s.variable.map((p) => p.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
      used.add(camel.join('.'));
      const value = camel.reduce<unknown>((obj, key) => (obj as Json | undefined)?.[key], request);
      return encodeURIComponent(String((value as string | number | boolean | undefined) ?? ''));
    })
    .join('/');
  const url = new URL(`${http}/${path}`);
  // Payloads in long form, so that answers compare byte for byte (shorthand has its own test below).
  url.searchParams.set('noPayloadShorthand', '');
  if (route.body === '*') {
    return { url: url.href, init: { method: route.verb, body: JSON.stringify(request) } };
  }
  const flatten = (obj: Json, prefix: string) => {
    for (const [key, value] of Object.entries(obj)) {
      const name = prefix + key;
      if (used.has(name)) continue;
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(name, String(v));
      else if (value !== null && typeof value === 'object') flatten(value as Json, `${name}.`);
      else url.searchParams.append(name, String(value));
    }
  };
  flatten(request, '');
  return { url: url.href, init: { method: route.verb } };
}

type Outcome = { ok: true; response: Json } | { ok: false; code: number; message: string };

const comparable = (type: Type, message: object): Json =>
  type.toObject(type.fromObject(message), { defaults: true, longs: String, enums: String, bytes: String });

async function viaHttp(method: string, request: Json): Promise<Outcome & { status: number }> {
  const route = api(method);
  const { url, init } = httpRequest(route, request);
  const res = await fetch(url, init);
  const body = (await res.json()) as Json;
  expect(res.headers.get('content-type')).toBe('application/json');
  if (res.status !== 200)
    return { ok: false, status: res.status, code: body.code as number, message: body.message as string };
  return {
    ok: true,
    status: 200,
    response: comparable(route.responseType, fromProtoJson(route.responseType, body, longForm)),
  };
}

async function viaSdk(method: string, request: Json): Promise<Outcome> {
  const route = api(method);
  const service: Record<string, (req: object) => Promise<object>> = (
    route.service.includes('operator') ? harness.connection.operatorService : harness.connection.workflowService
  ) as never;
  const rpc = method.charAt(0).toLowerCase() + method.slice(1);
  try {
    const response = await service[rpc]!.call(
      service,
      route.requestType.fromObject(fromProtoJson(route.requestType, request, longForm)),
    );
    return { ok: true, response: comparable(route.responseType, response) };
  } catch (error) {
    const e = error as grpc.ServiceError;
    if (typeof e.code !== 'number') throw error;
    return { ok: false, code: e.code, message: e.details };
  }
}

const HTTP_STATUS: Partial<Record<grpc.status, number>> = {
  [grpc.status.INVALID_ARGUMENT]: 400,
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.ALREADY_EXISTS]: 409,
  [grpc.status.FAILED_PRECONDITION]: 400,
  [grpc.status.UNIMPLEMENTED]: 501,
};

/** Read-only calls: asked both ways, the answers must be equal. */
async function expectSameAnswer(method: string, request: Json): Promise<Outcome> {
  const sdk = await viaSdk(method, request);
  const { status, ...overHttp } = await viaHttp(method, request);
  expect(overHttp, method).toEqual(sdk);
  if (!sdk.ok) expect(status, method).toBe(HTTP_STATUS[sdk.code as grpc.status]);
  return sdk;
}

const mask = (value: unknown, replace: [string, string][]): unknown =>
  JSON.parse(
    replace.reduce(
      (text, [from, to]) => text.split(from).join(to),
      JSON.stringify(value).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>'),
    ),
  );

/** Calls that change state: the same call on twin entities (`@`: `http` or `sdk`), answers equal but for the name. */
async function expectSameEffect(method: string, request: (side: string) => Json): Promise<void> {
  const sdk = await viaSdk(method, request('sdk'));
  const { status, ...overHttp } = await viaHttp(method, request('http'));
  expect(mask(overHttp, [['http', '@']]), method).toEqual(mask(sdk, [['sdk', '@']]));
  if (!sdk.ok) expect(status, method).toBe(HTTP_STATUS[sdk.code as grpc.status]);
}

const ns = 'default';
const covered = new Set<string>();
const start = (workflowId: string, type = 'waitForSignals', args: unknown[] = [1]): Json => ({
  namespace: ns,
  workflowId,
  workflowType: { name: type },
  taskQueue: { name: taskQueue },
  input: { payloads: args.map(payload) },
  requestId: `req-${workflowId}`,
  memo: { fields: { note: payload('memo') } },
  searchAttributes: { indexedFields: { TactQueueSize: payload(3) } },
  userMetadata: { summary: payload('**summary**') },
});

describe("Temporal's HTTP API on the dev server", () => {
  it('answers every implemented method the same over HTTP as through the SDK', async () => {
    const same = async (method: string, request: Json) => {
      covered.add(method);
      return expectSameAnswer(method, request);
    };
    const effect = async (method: string, request: (side: string) => Json) => {
      covered.add(method);
      await expectSameEffect(method, request);
    };

    await same('GetSystemInfo', {});
    await same('GetClusterInfo', {});
    await same('ListNamespaces', {});
    await same('DescribeNamespace', { namespace: ns });
    await same('DescribeNamespace', { namespace: 'no-such-namespace' });
    await effect('RegisterNamespace', (side) => ({
      namespace: `ns-${side}`,
      workflowExecutionRetentionPeriod: '86400s',
    }));
    await same('ListSearchAttributes', { namespace: ns });

    await effect('StartWorkflowExecution', (side) => start(`wf-${side}`));
    await same('StartWorkflowExecution', start('wf-sdk')); // already started, same request id: deduplicated
    await same('StartWorkflowExecution', { ...start('wf-sdk'), requestId: 'another' }); // already started
    const wf = { workflowId: 'wf-sdk' };
    const query = { namespace: ns, execution: wf, query: { queryType: 'state' } };
    await waitFor('a worker to answer the query', async () => (await viaSdk('QueryWorkflow', query)).ok || undefined);
    await same('QueryWorkflow', query);
    await same('QueryWorkflow', { namespace: ns, execution: wf, query: { queryType: 'no-such-query' } });
    await same('DescribeWorkflowExecution', { namespace: ns, execution: wf });
    await same('DescribeWorkflowExecution', { namespace: ns, execution: { workflowId: 'absent' } });
    await same('GetWorkflowExecutionHistory', { namespace: ns, execution: wf, maximumPageSize: 2 });
    await same('GetWorkflowExecutionHistory', { namespace: ns, execution: wf });
    await same('GetWorkflowExecutionHistoryReverse', { namespace: ns, execution: wf });
    await same('ListWorkflowExecutions', {
      namespace: ns,
      query: 'TactQueueSize = 3 ORDER BY StartTime DESC',
      pageSize: 1,
    });
    await same('ListWorkflowExecutions', { namespace: ns, query: 'NoSuchAttribute = 1' });
    await same('CountWorkflowExecutions', { namespace: ns, query: 'ExecutionStatus = "Running"' });
    await same('CountWorkflowExecutions', { namespace: ns, query: 'GROUP BY ExecutionStatus' });
    await effect('UpdateWorkflowExecution', (side) => ({
      namespace: ns,
      workflowExecution: { workflowId: `wf-${side}` },
      request: { meta: { updateId: 'u1' }, input: { name: 'no-such-update', args: { payloads: [payload(1)] } } },
      waitPolicy: { lifecycleStage: 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED' },
    }));
    await effect('SignalWorkflowExecution', (side) => ({
      namespace: ns,
      workflowExecution: { workflowId: `wf-${side}` },
      signalName: 'unblock',
      input: { payloads: [payload('go')] },
      requestId: `signal-${side}`,
    }));
    await effect('SignalWithStartWorkflowExecution', (side) => ({
      ...start(`sws-${side}`, 'waitForSignals', [5]),
      signalName: 'unblock',
      signalInput: { payloads: [payload('x')] },
    }));
    await effect('RequestCancelWorkflowExecution', (side) => ({
      namespace: ns,
      workflowExecution: { workflowId: `sws-${side}` },
    }));
    // Its own running pair: the cancelled pair above may complete (as cancelled) on one side before it is reached.
    for (const side of ['sdk', 'http']) {
      expect((await viaSdk('StartWorkflowExecution', start(`term-${side}`, 'waitForSignals', [5]))).ok).toBe(true);
    }
    await effect('TerminateWorkflowExecution', (side) => ({
      namespace: ns,
      workflowExecution: { workflowId: `term-${side}` },
      reason: 'test',
    }));
    await effect('TerminateWorkflowExecution', (side) => ({
      namespace: ns,
      workflowExecution: { workflowId: `gone-${side}` },
    }));

    // Pollers carry the time they last polled, which moves between the two calls.
    covered.add('DescribeTaskQueue');
    const describeQueue = { namespace: ns, taskQueue: { name: taskQueue }, taskQueueType: 'TASK_QUEUE_TYPE_WORKFLOW' };
    const withoutTimes = (o: Outcome) =>
      o.ok ? (o.response.pollers as Json[]).map(({ lastAccessTime: _, ...p }) => p) : o;
    const queueViaSdk = await viaSdk('DescribeTaskQueue', describeQueue);
    const { status: _status, ...queueViaHttp } = await viaHttp('DescribeTaskQueue', describeQueue);
    expect(withoutTimes(queueViaHttp)).toEqual(withoutTimes(queueViaSdk));
    expect(withoutTimes(queueViaSdk)).toEqual([expect.objectContaining({ ratePerSecond: 100_000 })]);

    for (const method of [
      'RecordActivityTaskHeartbeatById',
      'RespondActivityTaskCompletedById',
      'RespondActivityTaskFailedById',
      'RespondActivityTaskCanceledById',
    ]) {
      await same(method, { namespace: ns, workflowId: 'absent', activityId: '1' });
    }
    for (const method of [
      'RecordActivityTaskHeartbeat',
      'RespondActivityTaskCompleted',
      'RespondActivityTaskFailed',
      'RespondActivityTaskCanceled',
    ]) {
      await same(method, { namespace: ns, taskToken: Buffer.from('not a token').toString('base64') });
    }

    const schedule = (side: string): Json => ({
      namespace: ns,
      scheduleId: `sched-${side}`,
      requestId: `sched-${side}`,
      schedule: {
        spec: { interval: [{ interval: '3600s' }] },
        action: {
          startWorkflow: {
            workflowId: `scheduled-${side}`,
            workflowType: { name: 'basic' },
            taskQueue: { name: taskQueue },
          },
        },
        state: { paused: true, notes: 'paused for the test' },
      },
    });
    await effect('CreateSchedule', schedule);
    await same('DescribeSchedule', { namespace: ns, scheduleId: 'sched-sdk' });
    await same('ListScheduleMatchingTimes', {
      namespace: ns,
      scheduleId: 'sched-sdk',
      startTime: '2026-01-01T00:00:00Z',
      endTime: '2026-01-01T03:30:00Z',
    });
    await effect('PatchSchedule', (side) => ({
      namespace: ns,
      scheduleId: `sched-${side}`,
      patch: { pause: 'still paused' },
      requestId: `patch-${side}`,
    }));
    await effect('UpdateSchedule', (side) => ({ ...schedule(side), requestId: `update-${side}` }));
    await waitFor('both schedules listed', async () => {
      const listed = await viaSdk('ListSchedules', { namespace: ns });
      return (listed.ok && (listed.response.schedules as unknown[]).length === 2) || undefined;
    });
    await same('ListSchedules', { namespace: ns });
    await effect('DeleteSchedule', (side) => ({ namespace: ns, scheduleId: `sched-${side}` }));
    await same('DescribeSchedule', { namespace: ns, scheduleId: 'sched-sdk' });

    // Every method the server implements that has an HTTP binding is covered above.
    const implemented = await implementedMethods();
    expect(implemented.filter((m) => !covered.has(m))).toEqual([]);
    expect([...covered].sort()).toEqual(implemented.sort());
  }, 120_000);

  it('writes proto3 JSON as Temporal does: int64 as strings, enums by name, RFC 3339 times, payload shorthand', async () => {
    await harness.client.workflow.start('waitForSignals', {
      taskQueue,
      workflowId: 'shape',
      args: [1],
      staticSummary: 'summary *in* Markdown',
    });
    const history = (await (await fetch(`${http}/api/v1/namespaces/default/workflows/shape/history`)).json()) as {
      history: { events: Json[] };
    };
    const [started] = history.history.events;
    expect(started).toMatchObject({
      eventId: '1',
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      userMetadata: { summary: 'summary *in* Markdown' },
      workflowExecutionStartedEventAttributes: { input: [1], attempt: 1, workflowTaskTimeout: '10s' },
    });
    expect(started!.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$/);
    expect(started).not.toHaveProperty('version'); // zero values are left out

    const long = (await (
      await fetch(`${http}/api/v1/namespaces/default/workflows/shape/history?noPayloadShorthand`)
    ).json()) as { history: { events: Json[] } };
    expect(long.history.events[0]).toMatchObject({
      userMetadata: { summary: payload('summary *in* Markdown') },
      workflowExecutionStartedEventAttributes: { input: { payloads: [payload(1)] } },
    });

    const pretty = await (await fetch(`${http}/api/v1/system-info?pretty`)).text();
    expect(pretty).toContain('\n  "serverVersion"');
  });

  it('accepts payload shorthand and Temporal enum short names in requests', async () => {
    const res = await fetch(`${http}/api/v1/namespaces/default/workflows/shorthand`, {
      method: 'POST',
      body: JSON.stringify({
        workflowType: { name: 'waitForSignals' },
        taskQueue: { name: taskQueue },
        input: [2],
        workflowRunTimeout: '60s',
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ started: true, status: 'WORKFLOW_EXECUTION_STATUS_RUNNING' });
    const described = await harness.client.workflow.getHandle('shorthand').describe();
    expect(described.raw.executionConfig?.workflowRunTimeout?.seconds?.toString()).toBe('60');
    const count = (await (
      await fetch(
        `${http}/api/v1/namespaces/default/workflow-count?query=${encodeURIComponent('WorkflowId = "shorthand"')}`,
      )
    ).json()) as Json;
    expect(count).toEqual({ count: '1' });
  });

  it("maps errors as Temporal's gateway does", async () => {
    const notFound = await fetch(`${http}/api/v1/namespaces/missing`);
    expect(notFound.status).toBe(404);
    expect(await notFound.text()).toBe(
      '{"code":5,"message":"Namespace missing is not found.","details":[{"@type":"type.googleapis.com/temporal.api.errordetails.v1.NamespaceNotFoundFailure","namespace":"missing"}]}',
    );
    const noRoute = await fetch(`${http}/api/v1/nothing-here`);
    expect([noRoute.status, await noRoute.json()]).toEqual([404, { code: 5, message: 'Not Found' }]);
    const wrongVerb = await fetch(`${http}/api/v1/namespaces/default/workflows`, { method: 'DELETE' });
    expect([wrongVerb.status, await wrongVerb.json()]).toEqual([501, { code: 12, message: 'Method Not Allowed' }]);
    const badJson = await fetch(`${http}/api/v1/namespaces/default/workflows/x`, { method: 'POST', body: '{' });
    expect([badJson.status, ((await badJson.json()) as Json).code]).toEqual([400, 3]);
    const unknownField = await fetch(`${http}/api/v1/namespaces/default/workflows/x`, {
      method: 'POST',
      body: '{"nope":1}',
    });
    expect([unknownField.status, await unknownField.json()]).toEqual([
      400,
      { code: 3, message: 'unknown field "nope" in temporal.api.workflowservice.v1.StartWorkflowExecutionRequest' },
    ]);
    const unimplemented = await fetch(`${http}/api/v1/namespaces/default/batch-operations`);
    expect(unimplemented.status).toBe(501);
    expect(((await unimplemented.json()) as Json).message).toMatch(/^unknown method ListBatchOperations/);
  });

  it('serves both bindings of every annotated method (routes come from the proto annotations)', () => {
    const seen = new Set<string>();
    for (const route of routes) {
      const key = `${route.verb} ${route.template}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
    expect(seen).toContain('GET /api/v1/namespaces/{namespace}/workflows');
    expect(seen).toContain('GET /namespaces/{namespace}/workflows');
    expect(seen).toContain(
      'POST /api/v1/namespaces/{namespace}/workflows/{execution.workflow_id}/query/{query.query_type}',
    );
    expect(seen).toContain('GET /api/v1/namespaces/{namespace}/search-attributes');
    const methods = new Set(routes.map((r) => r.method));
    expect(methods.size).toBeGreaterThan(100);
    for (const method of methods)
      expect(
        routes.some((r) => r.method === method && r.template.startsWith('/api/v1/')),
        method,
      ).toBe(true);
  });
});

/** The methods with an HTTP binding that the server does not answer with UNIMPLEMENTED. */
async function implementedMethods(): Promise<string[]> {
  const client = new grpc.Client(harness.server.address, grpc.credentials.createInsecure());
  const methods = [...new Map(routes.map((r) => [`${r.service}/${r.method}`, r])).values()];
  const answers = await Promise.all(
    methods.map(
      (r) =>
        new Promise<string | undefined>((resolve) => {
          client.makeUnaryRequest(
            `/${r.service}/${r.method}`,
            (b: Buffer) => b,
            (b: Buffer) => b,
            Buffer.alloc(0),
            new grpc.Metadata(),
            { deadline: Date.now() + 3000 },
            (err) => resolve(err?.code === grpc.status.UNIMPLEMENTED ? undefined : r.method),
          );
        }),
    ),
  );
  client.close();
  return answers.filter((m): m is string => m !== undefined);
}
