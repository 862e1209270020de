// Worker configuration from the environment, validated with clear errors.
import { loadCatalog, versionedConfig, type LoadedCatalog, type VersionedConfig } from '../catalog/load';
import { CatalogError } from '../domain/catalog-schema';
import { DEFAULT_POLICY, withOverrides, type PolicyConfig } from '../domain/config';
import { JOURNEYS } from '../journeys/registry';

/** Partial policy: what TACT_POLICY may override. */
export type PolicyOverrides = Parameters<typeof withOverrides>[1];

export interface WorkerConfig {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** Workflows kept in memory between tasks (sticky cache). A user workflow is small, so thousands fit. */
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  /** How long a shutdown waits for running activities before cancelling them. */
  shutdownGraceTimeMs: number;
}

export const DEFAULT_WORKER_CONFIG: WorkerConfig = {
  address: 'localhost:7233',
  namespace: 'default',
  taskQueue: 'tact-users',
  maxCachedWorkflows: 2_000,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 100,
  shutdownGraceTimeMs: 10_000,
};

export class WorkerConfigError extends Error {
  override name = 'WorkerConfigError';
}

/**
 * Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TACT_TASK_QUEUE, TACT_MAX_CACHED_WORKFLOWS,
 * TACT_MAX_CONCURRENT_WORKFLOW_TASKS, TACT_MAX_CONCURRENT_ACTIVITIES and TACT_SHUTDOWN_GRACE_MS.
 */
export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const text = (name: string, fallback: string): string => {
    const value = env[name]?.trim();
    if (value === undefined || value === '') return fallback;
    return value;
  };
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new WorkerConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    }
    return value;
  };
  const address = text('TEMPORAL_ADDRESS', DEFAULT_WORKER_CONFIG.address);
  if (!/^[^\s:/]+:\d{1,5}$/.test(address)) {
    throw new WorkerConfigError(`TEMPORAL_ADDRESS must be host:port, got "${address}"`);
  }
  return {
    address,
    namespace: text('TEMPORAL_NAMESPACE', DEFAULT_WORKER_CONFIG.namespace),
    taskQueue: text('TACT_TASK_QUEUE', DEFAULT_WORKER_CONFIG.taskQueue),
    maxCachedWorkflows: int('TACT_MAX_CACHED_WORKFLOWS', DEFAULT_WORKER_CONFIG.maxCachedWorkflows, 0),
    // The SDK requires at least 2 workflow task slots when the cache is on.
    maxConcurrentWorkflowTaskExecutions: int(
      'TACT_MAX_CONCURRENT_WORKFLOW_TASKS',
      DEFAULT_WORKER_CONFIG.maxConcurrentWorkflowTaskExecutions,
      2,
    ),
    maxConcurrentActivityTaskExecutions: int(
      'TACT_MAX_CONCURRENT_ACTIVITIES',
      DEFAULT_WORKER_CONFIG.maxConcurrentActivityTaskExecutions,
      1,
    ),
    shutdownGraceTimeMs: int('TACT_SHUTDOWN_GRACE_MS', DEFAULT_WORKER_CONFIG.shutdownGraceTimeMs, 0),
  };
}

/** Policy settings that are absent from the defaults (off) but may be set. */
const OPTIONAL_POLICY_KEYS = ['engagementPooling'];

/**
 * TACT_POLICY: JSON overrides of the policy defaults (domain/config.ts DEFAULT_POLICY), e.g.
 * `{"dailyCap":2,"cooldownMs":7200000,"categories":{"marketing":{"weeklyCap":1}}}`. Validated here so a typo stops
 * start-up instead of being ignored. Applied to workflows this API starts; running workflows keep the options they
 * started with (carried across continue-as-new).
 */
export function parsePolicyOverrides(
  value: string | undefined,
  base: PolicyConfig = DEFAULT_POLICY,
): PolicyOverrides | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let overrides: unknown;
  try {
    overrides = JSON.parse(value);
  } catch (err) {
    throw new Error(`TACT_POLICY must be a JSON object: ${(err as Error).message}`, { cause: err });
  }
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new Error('TACT_POLICY must be a JSON object of policy overrides');
  }
  const known = [...Object.keys(DEFAULT_POLICY), ...OPTIONAL_POLICY_KEYS];
  const unknown = Object.keys(overrides).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new Error(`TACT_POLICY has unknown keys: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  }
  withOverrides(base, overrides); // throws a RangeError naming every bad value
  return overrides;
}

/**
 * TACT_CATALOG (with TACT_TEMPLATES_DIR) and TACT_POLICY together: the catalog, validated against its templates, merged
 * with the policy overrides into one version (docs/catalog.md). Throws naming the bad path or value.
 */
export function loadVersionedConfig(env: NodeJS.ProcessEnv): { catalog: LoadedCatalog; versioned: VersionedConfig } {
  const catalog = loadCatalog(env.TACT_CATALOG, env.TACT_TEMPLATES_DIR);
  checkCatalogJourneys(catalog);
  const overrides = parsePolicyOverrides(env.TACT_POLICY, {
    ...DEFAULT_POLICY,
    categories: catalog.catalog.categories,
  });
  return { catalog, versioned: versionedConfig(catalog.catalog, overrides ?? {}) };
}

/**
 * Every journey the catalog names must be one this build runs (journeys/registry.ts): an unknown id would enroll nobody
 * and say nothing, so start-up stops, naming it. The catalog loader cannot check it (catalog/ sits below journeys/).
 */
export function checkCatalogJourneys({ catalog, source }: LoadedCatalog): void {
  const problems = catalog.journeys.flatMap((j, i) =>
    Object.hasOwn(JOURNEYS, j.id)
      ? []
      : [`journeys[${i}].id: no journey "${j.id}" in this build (known: ${Object.keys(JOURNEYS).join(', ')})`],
  );
  if (problems.length > 0) throw new CatalogError(source, problems);
}
