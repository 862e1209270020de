// Liveness and readiness: /healthz answers while the process runs; /readyz checks that the
// database and Temporal both answer, so a load balancer stops routing when either is gone.
import { operation, type Operation } from '../operation';
import { healthResponse, readyResponse } from '../schemas';
import type { ApiServices } from '../services';

const CHECK_TIMEOUT_MS = 3_000;

async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      probe().then(
        () => 'ok',
        (error: unknown) => `unreachable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
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
          check(() => services.pool.query('SELECT 1')),
          check(() => services.workflows.ping()),
        ]);
        const ready = database === 'ok' && temporal === 'ok';
        return {
          status: ready ? 200 : 503,
          body: { status: ready ? 'ready' : 'unavailable', checks: { database, temporal } },
          ...(ready ? {} : { headers: { 'Retry-After': String(services.retryAfterSeconds) } }),
        };
      },
    }),
  ];
}
