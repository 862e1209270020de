// Namespace and cluster level WorkflowService methods.
import { durationFromMs, enums } from './proto';
import type { Engine, Namespace } from './engine';
import type { WorkflowServiceHandlers } from './grpc';
import { requireString } from './errors';
import { toIndexedValueType } from './visibility/search-attributes';

export const SERVER_VERSION = '1.27.0';

export function describeNamespace(ns: Namespace): object {
  return {
    namespaceInfo: {
      name: ns.name,
      state: enums.NamespaceState.NAMESPACE_STATE_REGISTERED,
      description: '',
      ownerEmail: '',
      id: ns.id,
      capabilities: {
        eagerWorkflowStart: false,
        syncUpdate: true,
        asyncUpdate: true,
        // ShutdownWorker ends the worker's outstanding polls (service-worker.ts).
        workerPollCompleteOnShutdown: true,
      },
      supportsSchedules: false,
    },
    config: { workflowExecutionRetentionTtl: durationFromMs(24 * 3600_000) },
    isGlobalNamespace: false,
  };
}

export function namespaceHandlers(engine: Engine): WorkflowServiceHandlers {
  return {
    GetSystemInfo: () => ({
      serverVersion: SERVER_VERSION,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        supportsSchedules: false,
        encodedFailureAttributes: true,
        upsertMemo: true,
        eagerWorkflowStart: false,
        sdkMetadata: true,
        countGroupByExecutionStatus: true,
        nexus: false,
      },
    }),
    GetClusterInfo: () => ({
      supportedClients: {},
      serverVersion: SERVER_VERSION,
      clusterId: 'tact-dev',
      clusterName: 'tact-dev',
      historyShardCount: 1,
      persistenceStore: 'memory',
      visibilityStore: 'memory',
    }),
    DescribeNamespace: (req) =>
      describeNamespace(req.id && !req.namespace ? engine.namespaceById(req.id) : engine.namespace(req.namespace)),
    ListNamespaces: () => ({ namespaces: engine.listNamespaces().map(describeNamespace) }),
    RegisterNamespace: (req) => {
      engine.registerNamespace(requireString(req.namespace, 'Namespace'));
      return {};
    },
    GetSearchAttributes: () => {
      const registry = engine.namespace('default').registry;
      const all = { ...registry.systemTypes(), ...registry.types() };
      return {
        keys: Object.fromEntries(
          Object.entries(all).map(([k, t]) => [
            k,
            enums.IndexedValueType[toIndexedValueType(t) as keyof typeof enums.IndexedValueType],
          ]),
        ),
      };
    },
  };
}
