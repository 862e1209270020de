// Abuse limits of the API process: request rates per API key, a lockout per client address after failed
// authentications, concurrent connections per address, deliberate HTTP timeouts, and an optional /metrics token.
//
// Counters live in memory (rate-limiter-flexible's RateLimiterMemory): the point of the failed-auth limiter is that a
// flood of wrong keys costs no database query, which a PostgreSQL-backed counter would. With several API replicas
// the limits hold per replica (a client spread over N replicas gets N times the rate): set them accordingly.
import { timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Counter, type Registry } from 'prom-client';
import { HttpProblem } from './problem';

export interface AbuseLimitsConfig {
  /** Requests one API key may make per window (0: no limit). */
  requestsPerKeyPerSecond: number;
  /** The window of the per-key limit, in seconds (1: a rate per second). */
  keyWindowSeconds?: number;
  /** Failed authentications one client address may make per minute before it is locked out. */
  authFailuresPerMinute: number;
  /** How long a locked-out address gets 429 without its keys being checked. */
  authLockoutSeconds: number;
  /** Open connections per client address (0: no limit; behind a proxy every client shares its address). */
  connectionsPerAddress: number;
  /** The request headers must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this: a slow body is cut off. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
}

export const DEFAULT_ABUSE_LIMITS: AbuseLimitsConfig = {
  requestsPerKeyPerSecond: 1_000,
  authFailuresPerMinute: 20,
  authLockoutSeconds: 300,
  connectionsPerAddress: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
};

/**
 * Reads TACT_RATE_LIMIT_PER_KEY, TACT_AUTH_FAILURES_PER_MINUTE, TACT_AUTH_LOCKOUT_SECONDS,
 * TACT_MAX_CONNECTIONS_PER_ADDRESS, TACT_HTTP_HEADERS_TIMEOUT_MS, TACT_HTTP_REQUEST_TIMEOUT_MS,
 * TACT_HTTP_KEEP_ALIVE_TIMEOUT_MS and TACT_METRICS_TOKEN; a bad value stops start-up naming the variable.
 */
export function abuseLimitsFromEnv(env: NodeJS.ProcessEnv): AbuseLimitsConfig {
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return value;
  };
  const token = env.TACT_METRICS_TOKEN?.trim();
  if (token !== undefined && token !== '' && token.length < 16) {
    throw new Error('TACT_METRICS_TOKEN must be at least 16 characters');
  }
  const d = DEFAULT_ABUSE_LIMITS;
  return {
    requestsPerKeyPerSecond: int('TACT_RATE_LIMIT_PER_KEY', d.requestsPerKeyPerSecond, 0),
    authFailuresPerMinute: int('TACT_AUTH_FAILURES_PER_MINUTE', d.authFailuresPerMinute, 1),
    authLockoutSeconds: int('TACT_AUTH_LOCKOUT_SECONDS', d.authLockoutSeconds, 1),
    connectionsPerAddress: int('TACT_MAX_CONNECTIONS_PER_ADDRESS', d.connectionsPerAddress, 0),
    headersTimeoutMs: int('TACT_HTTP_HEADERS_TIMEOUT_MS', d.headersTimeoutMs, 1_000),
    requestTimeoutMs: int('TACT_HTTP_REQUEST_TIMEOUT_MS', d.requestTimeoutMs, 1_000),
    keepAliveTimeoutMs: int('TACT_HTTP_KEEP_ALIVE_TIMEOUT_MS', d.keepAliveTimeoutMs, 1_000),
    ...(token ? { metricsToken: token } : {}),
  };
}

export type Limiter = 'api_key' | 'failed_auth' | 'connections';

export interface AbuseLimits {
  readonly config: AbuseLimitsConfig;
  /** Throws 429 while `address` is locked out after failed authentications. */
  assertNotLockedOut(address: string): Promise<void>;
  /** Counts a failed authentication; throws 429 when this one locks the address out. */
  authenticationFailed(address: string): Promise<void>;
  /** Counts a request of an authenticated key; throws 429 over its rate. */
  consumeKeyRequest(keyId: string): Promise<void>;
  /** Whether `authorization` carries the metrics token (always true when none is configured). */
  metricsAllowed(authorization: string | undefined): boolean;
}

export function createAbuseLimits(config: AbuseLimitsConfig, registry: Registry): AbuseLimits {
  const refused = abuseCounter(registry);
  const perKey =
    config.requestsPerKeyPerSecond > 0
      ? new RateLimiterMemory({
          keyPrefix: 'key',
          points: config.requestsPerKeyPerSecond,
          duration: config.keyWindowSeconds ?? 1,
        })
      : undefined;
  const failures = new RateLimiterMemory({
    keyPrefix: 'auth',
    points: config.authFailuresPerMinute,
    duration: 60,
    blockDuration: config.authLockoutSeconds,
  });
  const tooMany = (limiter: Limiter, res: RateLimiterRes, detail: string) => {
    refused.inc({ limiter });
    return new HttpProblem(429, 'too-many-requests', detail, {
      retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    });
  };
  const metricsDigest = config.metricsToken === undefined ? undefined : sha256(`Bearer ${config.metricsToken}`);
  return {
    config,
    async assertNotLockedOut(address) {
      const state = await failures.get(address);
      if (state !== null && state.consumedPoints > config.authFailuresPerMinute) {
        throw tooMany('failed_auth', state, 'too many failed authentications from this address; retry later');
      }
    },
    async authenticationFailed(address) {
      try {
        await failures.consume(address);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          throw tooMany('failed_auth', rejection, 'too many failed authentications from this address; retry later');
        }
        throw rejection;
      }
    },
    async consumeKeyRequest(keyId) {
      if (perKey === undefined) return;
      try {
        await perKey.consume(keyId);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          throw tooMany(
            'api_key',
            rejection,
            `over ${config.requestsPerKeyPerSecond} requests per ${config.keyWindowSeconds ?? 1} s for this key`,
          );
        }
        throw rejection;
      }
    },
    metricsAllowed(authorization) {
      if (metricsDigest === undefined) return true;
      return timingSafeEqual(sha256(authorization ?? ''), metricsDigest);
    },
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

const counters = new WeakMap<Registry, Counter<'limiter'>>();

function abuseCounter(registry: Registry): Counter<'limiter'> {
  let counter = counters.get(registry);
  if (counter === undefined) {
    counter = new Counter({
      name: 'tact_abuse_refused_total',
      help: 'Requests answered 429 and connections refused, by limiter (api_key, failed_auth, connections).',
      labelNames: ['limiter'],
      registers: [registry],
    });
    counters.set(registry, counter);
  }
  return counter;
}

/**
 * The API's HTTP server with its timeouts set on purpose (Node's defaults let a request body trickle in for 300 s)
 * and a cap on concurrent connections per client address.
 */
export function createLimitedServer(
  listener: http.RequestListener,
  config: AbuseLimitsConfig,
  registry: Registry,
): http.Server {
  const server = http.createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (default 30 s, which would make them coarse).
      connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
    },
    listener,
  );
  if (config.connectionsPerAddress > 0) {
    const refused = abuseCounter(registry);
    const open = new Map<string, number>();
    server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? 'unknown';
      const count = (open.get(address) ?? 0) + 1;
      if (count > config.connectionsPerAddress) {
        refused.inc({ limiter: 'connections' });
        socket.destroy();
        return;
      }
      open.set(address, count);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left === 0) open.delete(address);
        else open.set(address, left);
      });
    });
  }
  return server;
}
