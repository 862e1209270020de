import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { status as grpcStatus } from '@grpc/grpc-js';
import { temporal, grpc } from '@temporalio/proto';
import { defineSuite, uniqueId } from '../support/suite';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

describe('namespaces, system info and health', () => {
  it('GetSystemInfo answers with the server version', async () => {
    const info = await suite.client.connection.workflowService.getSystemInfo({});
    expect(typeof info.serverVersion).toBe('string');
    expect(info.serverVersion).not.toBe('');
  });

  it('DescribeNamespace describes the registered default namespace', async () => {
    const ns = await suite.client.connection.workflowService.describeNamespace({ namespace: 'default' });
    expect(ns.namespaceInfo?.name).toBe('default');
    expect(ns.namespaceInfo?.state).toBe(temporal.api.enums.v1.NamespaceState.NAMESPACE_STATE_REGISTERED);
    expect(ns.namespaceInfo?.id).toMatch(/\S/);
    expect(ns.config?.workflowExecutionRetentionTtl?.seconds).toBeDefined();
  });

  it('DescribeNamespace of an unknown namespace is NOT_FOUND', async () => {
    await expect(
      suite.client.connection.workflowService.describeNamespace({ namespace: uniqueId('no-such-namespace') }),
    ).rejects.toMatchObject({ code: grpcStatus.NOT_FOUND });
  });

  it('ListNamespaces includes the default namespace', async () => {
    const names: string[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await suite.client.connection.workflowService.listNamespaces({
        pageSize: 100,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      names.push(...(page.namespaces ?? []).map((n) => n.namespaceInfo?.name ?? ''));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    expect(names).toContain('default');
  });

  it('the gRPC health check reports the workflow service as SERVING', async () => {
    const SERVING = grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
    const overall = await suite.env.connection.healthService.check({ service: '' });
    expect(overall.status).toBe(SERVING);
    const workflowService = await suite.env.connection.healthService.check({
      service: 'temporal.api.workflowservice.v1.WorkflowService',
    });
    expect(workflowService.status).toBe(SERVING);
  });

  it('a workflow runs in the default namespace through the shared worker', async () => {
    const result = await suite.client.workflow.execute('echo', {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('ns-echo'),
      args: ['ping'],
    });
    expect(result).toBe('ping');
  });
});
