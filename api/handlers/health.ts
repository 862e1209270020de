// Liveness and readiness: /healthz answers while the process runs; /readyz checks that the
// database and Temporal both answer, so a load balancer stops routing when either is gone. The route is public:
// it answers a bare component status, and the failure itself (host names, driver messages) goes to the log only.
import type { Logger } from '../logger';
import { operation, type Operation } from '../operation';
import { healthResponse, readyResponse } from '../schemas';
import type { ApiServices } from '../services';

const CHECK_TIMEOUT_MS = 3_000;

/** `ok`; `unavailable` (it failed) or `timeout` (no answer within CHECK_TIMEOUT_MS). */
export type ComponentStatus = 'ok' | 'unavailable' | 'timeout';

async function check(component: string, probe: () => Promise<unknown>, logger: Logger): Promise<ComponentStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ComponentStatus>((resolve) => {
    timer = setTimeout(() => {
      logger.warn({ component, timeoutMs: CHECK_TIMEOUT_MS }, 'readiness check: no answer');
      resolve('timeout');
    }, CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      probe().then(
        (): ComponentStatus => 'ok',
        (error: unknown): ComponentStatus => {
          logger.warn({ component, err: error }, 'readiness check failed');
          return 'unavailable';
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthOperations(services: ApiServices): Operation[] {
  return [
    operation({
      operationId: 'healthz',
      method: 'get',
      path: '/healthz',
      tag: 'operations',
      summary: 'Liveness: the process is up',
      scope: 'public',
      responses: { 200: { description: 'Alive.', schema: healthResponse } },
      async handle() {
        return { status: 200, body: { status: 'ok' } };
      },
    }),
    operation({
      operationId: 'readyz',
      method: 'get',
      path: '/readyz',
      tag: 'operations',
      summary: 'Readiness: the database and Temporal are reachable',
      scope: 'public',
      responses: {
        200: { description: 'Ready.', schema: readyResponse },
        503: { description: 'A dependency is unreachable.', schema: readyResponse },
      },
      async handle() {
        const [database, temporal] = await Promise.all([
          check('database', () => services.pool.query('SELECT 1'), services.logger),
          check('temporal', () => services.workflows.ping(), services.logger),
        ]);
        const ready = database === 'ok' && temporal === 'ok';
        // The dispatcher's lag is a detail, not a condition: accepting work while Temporal catches up is the point.
        const lag = database === 'ok' ? await services.ingest.lag().catch(() => undefined) : undefined;
        return {
          status: ready ? 200 : 503,
          body: {
            status: ready ? 'ready' : 'unavailable',
            checks: { database, temporal },
            ...(lag === undefined
              ? {}
              : { ingest: { undelivered: lag.undelivered, oldestUndeliveredSeconds: lag.oldestAgeMs / 1000 } }),
          },
          ...(ready ? {} : { headers: { 'Retry-After': String(services.retryAfterSeconds) } }),
        };
      },
    }),
  ];
}
