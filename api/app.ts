// The Tact HTTP API (express 5), versioned under /v1. Every route comes from an Operation: auth by
// scope, zod validation of path, query and body (400 naming every bad field), the handler, and
// problem+json for every error. Client mistakes never answer 5xx.
import { randomUUID } from 'node:crypto';
import { DEFAULT_STATE_QUERY_DEADLINE_MS } from './state-views';
import express, { type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import type { z } from 'zod';
import { grants, type VerifiedApiKey } from '../db/api-keys';
import { DEFAULT_CLAIM_STALE_AFTER_MS } from '../db/events-accepted';
import type { Repositories } from '../db/repositories';
import type { EpochMs } from '../domain/types';
import type { UserErasures } from './erasure-client';
import { dataRightsOperations } from './handlers/data-rights';
import { journeyOperations } from './handlers/journeys';
import { candidateOperations } from './handlers/candidates';
import { catalogOperations } from './handlers/catalog';
import { eventOperations } from './handlers/events';
import { sessionOperations } from './handlers/sessions';
import { healthOperations } from './handlers/health';
import { measurementOperations } from './handlers/measurement';
import { createConsole } from './console/routes';
import { registerDecisionGauges } from './decision-metrics';
import { notificationOperations } from './handlers/notifications';
import { adminKeyOperations } from './handlers/admin-keys';
import { readOperations } from './handlers/reads';
import { segmentOperations } from './handlers/segments';
import { campaignOperations } from './handlers/campaigns';
import { scheduleOperations } from './handlers/schedules';
import type { CampaignWorkflows } from './campaign-client';
import { unsubscribeOperations } from './handlers/unsubscribe';
import { userOperations } from './handlers/users';
import type { AbuseLimits } from './abuse-limits';
import { createIngestControl, registerIngestMetrics } from './ingest';
import { guardedJsonOptions, rejectedJson } from './json-guards';
import { createLogger, type Logger } from './logger';
import { createMetrics, type ApiMetrics } from './metrics';
import { buildOpenApiDocument } from './openapi';
import { expressPath, type Operation } from './operation';
import { fieldErrors, HttpProblem, sendProblem, validationProblem, type FieldError } from './problem';
import type { ApiCatalog, ApiServices } from './services';
import { loadCatalog, ruleSetOf, versionedConfig } from '../catalog/load';
import type { UserWorkflows } from './workflow-gateway';
import { wallClock } from '../clock';
import { EPOCH } from '../domain/units';

export const DEFAULT_JSON_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_BATCH_LIMIT_BYTES = 2 * 1024 * 1024;
const API_VERSION = '1.0.0';

export interface AppDeps {
  repos: Repositories;
  /** For readiness and the few statements repositories do not offer. */
  pool: pg.Pool;
  workflows: UserWorkflows;
  logger?: Logger;
  metrics?: ApiMetrics;
  now?: () => EpochMs;
  limits?: { jsonBytes?: number; batchBytes?: number };
  /** Retry-After of 503 answers; default 5 s. */
  retryAfterSeconds?: number;
  /**
   * How long a request may hold an event id (or receipt) it is signalling before a repeat takes the claim over
   * (the request is presumed dead); default 60 s. Keep it above the longest signalling time of one request.
   */
  claimStaleAfterMs?: number;
  /**
   * Durable-first ingestion (docs/ingestion.md): `onAccepted` wakes a dispatcher in this process after work was
   * queued; `maxBacklog` (undelivered rows) refuses new work with 503 beyond it (default 0: no limit).
   */
  ingest?: { onAccepted?: () => void; maxBacklog?: number };
  /** The secret email unsubscribe links are signed with; without it the unsubscribe routes are absent. */
  unsubscribeSecret?: string | undefined;
  /** The codec server for the Temporal UI (api/codec-server.ts), mounted at /codec; absent when encryption is off. */
  codecServer?: express.Router;
  /** Starts erasure workflows (api/erasure-client.ts); without it DELETE /v1/users/{id} is absent. */
  erasures?: UserErasures;
  /** Starts and moves campaign workflows (api/campaign-client.ts); without it the /v1/campaigns routes are absent. */
  campaigns?: CampaignWorkflows;
  /** Rate limits, failed-auth lockout and the /metrics token (api/abuse-limits.ts); none when absent. */
  abuse?: AbuseLimits;
  /**
   * Express's `trust proxy` (TACT_TRUST_PROXY: hop count, `loopback`, addresses or subnets): which proxies' X-Forwarded-For
   * names the client address that rate limits and the failed-auth lockout count by. Unset: the socket's address.
   */
  trustProxy?: string;
  /** The catalog and its current version; default: the default catalog, as version of activation time 0. */
  catalog?: ApiCatalog;
  /** How long GET /state waits for the workflow before it answers the stored view (api/state-views.ts). */
  stateQueryDeadlineMs?: number;
}

/** The default catalog as an API without a stored version sees it (tests, tools). */
export function defaultApiCatalog(): ApiCatalog {
  const { catalog } = loadCatalog(undefined);
  return { catalog, ruleSet: ruleSetOf(versionedConfig(catalog), EPOCH) };
}

export interface TactApp {
  app: express.Express;
  operations: Operation[];
  openApi: Record<string, unknown>;
  metrics: ApiMetrics;
}

export function createApp(deps: AppDeps): TactApp {
  const metrics = deps.metrics ?? createMetrics();
  const logger = deps.logger ?? createLogger();
  const now = deps.now ?? wallClock;
  const jsonBytes = deps.limits?.jsonBytes ?? DEFAULT_JSON_LIMIT_BYTES;
  const batchBytes = deps.limits?.batchBytes ?? DEFAULT_BATCH_LIMIT_BYTES;
  const services: ApiServices = {
    repos: deps.repos,
    pool: deps.pool,
    workflows: deps.workflows,
    metrics,
    logger,
    retryAfterSeconds: deps.retryAfterSeconds ?? 5,
    ingest: createIngestControl({
      queue: deps.repos.ingest,
      now,
      ...(deps.ingest?.maxBacklog === undefined ? {} : { maxBacklog: deps.ingest.maxBacklog }),
      ...(deps.ingest?.onAccepted === undefined ? {} : { onAccepted: deps.ingest.onAccepted }),
    }),
    claimStaleAfterMs: deps.claimStaleAfterMs ?? DEFAULT_CLAIM_STALE_AFTER_MS,
    stateQueryDeadlineMs: deps.stateQueryDeadlineMs ?? DEFAULT_STATE_QUERY_DEADLINE_MS,
    now,
    catalog: deps.catalog ?? defaultApiCatalog(),
    unsubscribeSecret: deps.unsubscribeSecret,
    ...(deps.erasures === undefined ? {} : { erasures: deps.erasures }),
    ...(deps.abuse === undefined ? {} : { abuse: deps.abuse }),
  };
  const operations = [
    ...healthOperations(services),
    ...eventOperations(services),
    ...notificationOperations(services),
    ...userOperations(services),
    ...candidateOperations(services),
    ...journeyOperations(services),
    ...sessionOperations(services),
    ...catalogOperations(services),
    ...readOperations(services),
    ...unsubscribeOperations(services),
    ...adminKeyOperations(services),
    ...dataRightsOperations(services),
    ...segmentOperations(services),
    ...(deps.campaigns ? campaignOperations(services, deps.campaigns) : []),
    ...(deps.campaigns ? scheduleOperations(services, deps.campaigns) : []),
    ...measurementOperations(services),
  ];
  registerIngestMetrics(metrics.registry, services.ingest);
  registerDecisionGauges(metrics.registry, deps.repos.measurement);
  const openApi = buildOpenApiDocument(operations, {
    version: API_VERSION,
    jsonBodyLimitBytes: jsonBytes,
    batchBodyLimitBytes: batchBytes,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (deps.trustProxy !== undefined) {
    app.set('trust proxy', /^\d+$/.test(deps.trustProxy) ? Number(deps.trustProxy) : deps.trustProxy);
  }
  app.use(observe(metrics, logger));

  const parsers = {
    json: express.json({ limit: jsonBytes, strict: true, type: () => true, ...guardedJsonOptions }),
    batch: express.json({ limit: batchBytes, strict: true, type: () => true, ...guardedJsonOptions }),
    // RFC 8058 one-click: the body (`List-Unsubscribe=One-Click`, urlencoded or multipart) is read and ignored.
    form: express.raw({ limit: 16 * 1024, type: () => true }),
  };
  for (const op of operations) {
    const kind = op.bodyKind ?? (op.body ? 'json' : undefined);
    const handlers: express.RequestHandler[] = [
      (_req, res, next) => {
        res.locals.route = op.path;
        next();
      },
      authenticate(op, services, now),
    ];
    if (kind === 'form') handlers.push(parsers.form);
    else if (kind !== undefined) handlers.push(requireJson, parsers[kind]);
    handlers.push(handle(op, now));
    app[op.method](expressPath(op.path), ...handlers);
  }
  app.get('/v1/openapi.json', (_req, res) => {
    res.locals.route = '/v1/openapi.json';
    res.json(openApi);
  });
  app.get('/metrics', async (req, res) => {
    res.locals.route = '/metrics';
    if (deps.abuse && !deps.abuse.metricsAllowed(req.get('authorization'))) {
      throw new HttpProblem(401, 'unauthenticated', 'send the metrics token: Authorization: Bearer <token>');
    }
    const texts = await Promise.all([metrics.registry, ...metrics.also].map((registry) => registry.metrics()));
    res.type(metrics.registry.contentType).send(texts.join('\n'));
  });
  if (deps.codecServer) app.use('/codec', deps.codecServer);
  app.use('/console', createConsole(services, now));
  app.use(notFound(operations));
  app.use(errorHandler(logger, services.retryAfterSeconds, { jsonBytes, batchBytes }));
  return { app, operations, openApi, metrics };
}

function observe(metrics: ApiMetrics, logger: Logger): express.RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const given = req.get('x-request-id');
    const requestId = given !== undefined && /^[A-Za-z0-9_.:-]{1,64}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route template, never the URL: paths carry device tokens.
      const labels = {
        method: req.method,
        route: String(res.locals.route ?? 'unmatched'),
        status: String(res.statusCode),
      };
      metrics.requests.inc(labels);
      metrics.requestDuration.observe(labels, seconds);
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
      logger[level]({ requestId, ...labels, ms: Math.round(seconds * 1e4) / 10 }, 'request');
    });
    next();
  };
}

function authenticate(op: Operation, services: ApiServices, now: () => EpochMs): express.RequestHandler {
  return async (req, res, next) => {
    if (op.scope === 'public') {
      res.locals.key = null;
      return next();
    }
    const header = req.get('authorization');
    const challenge = (error?: string) => ({
      'WWW-Authenticate': `Bearer realm="tact"${error ? `, error="${error}"` : ''}`,
    });
    if (header === undefined || header.trim() === '') {
      throw new HttpProblem(401, 'unauthenticated', 'send an API key: Authorization: Bearer <key>', {
        headers: challenge(),
      });
    }
    // A locked-out address is answered before its key costs a database query.
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    await services.abuse?.assertNotLockedOut(address);
    const match = /^Bearer +(\S+) *$/i.exec(header);
    const token = match?.[1];
    const key: VerifiedApiKey | null = token === undefined ? null : await services.repos.apiKeys.verify(token, now());
    if (key === null) {
      await services.abuse?.authenticationFailed(address);
      throw new HttpProblem(401, 'unauthenticated', 'the API key is malformed, unknown or revoked', {
        headers: challenge('invalid_token'),
      });
    }
    if (!grants(key.scopes, op.scope)) {
      throw new HttpProblem(403, 'forbidden', `this operation needs the ${op.scope} scope`, {
        headers: challenge('insufficient_scope'),
      });
    }
    await services.abuse?.consumeKeyRequest(key.id);
    res.locals.key = key;
    next();
  };
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!hasBody(req)) return next();
  const type = req.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpProblem(415, 'unsupported-media-type', 'send the body as application/json');
  }
  next();
}

function validate(schema: z.ZodType | undefined, value: unknown, location: 'path' | 'query' | 'body') {
  if (schema === undefined) return { value: undefined, errors: [] as FieldError[] };
  const result = schema.safeParse(value);
  return result.success
    ? { value: result.data, errors: [] as FieldError[] }
    : { value: undefined, errors: fieldErrors(result.error, location) };
}

function handle(op: Operation, now: () => EpochMs): express.RequestHandler {
  return async (req, res) => {
    const params = validate(op.params, { ...req.params }, 'path');
    const query = validate(op.query, op.query ? { ...(req.query as Record<string, unknown>) } : undefined, 'query');
    const body = validate(op.body, req.body, 'body');
    const errors = [...params.errors, ...query.errors, ...body.errors];
    if (errors.length > 0) throw validationProblem(errors);
    const reply = await op.handle({
      params: params.value,
      query: query.value,
      body: body.value,
      key: res.locals.key as VerifiedApiKey | null,
      now: now(),
      req,
    });
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.status(reply.status);
    if (reply.body === undefined) res.end();
    else if (reply.contentType !== undefined) res.type(reply.contentType).send(reply.body);
    else res.json(reply.body);
  };
}

function notFound(operations: Operation[]): express.RequestHandler {
  const routes = operations.map((op) => ({
    method: op.method.toUpperCase(),
    pattern: new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[A-Za-z_]+\}/g, '[^/]+')}/?$`),
  }));
  return (req) => {
    const allowed = routes.filter((route) => route.pattern.test(req.path)).map((route) => route.method);
    if (allowed.length > 0) {
      throw new HttpProblem(405, 'method-not-allowed', `${req.method} is not allowed here`, {
        headers: { Allow: [...new Set(allowed)].join(', ') },
      });
    }
    throw new HttpProblem(404, 'no-such-route', 'no such route; the API is described at /v1/openapi.json');
  };
}

const DATABASE_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && DATABASE_UNAVAILABLE_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  // "timeout exceeded when trying to connect": no pooled connection came free in time (db/pool.ts acquireTimeoutMs).
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}

function errorHandler(
  logger: Logger,
  retryAfterSeconds: number,
  limits: { jsonBytes: number; batchBytes: number },
): express.ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    sendProblem(res, toProblem(error, req, res, logger, retryAfterSeconds, limits));
  };
}

function toProblem(
  error: unknown,
  req: Request,
  res: Response,
  logger: Logger,
  retryAfterSeconds: number,
  limits: { jsonBytes: number; batchBytes: number },
): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const rejected = rejectedJson(error);
  if (rejected !== undefined)
    return validationProblem([{ in: 'body', field: rejected.field, message: rejected.message }]);
  const parserError = error as { type?: unknown; status?: unknown; statusCode?: unknown } | null;
  switch (parserError?.type) {
    case 'entity.too.large': {
      const limit = res.locals.route === '/v1/events:batch' ? limits.batchBytes : limits.jsonBytes;
      return new HttpProblem(413, 'body-too-large', `the body is larger than the ${limit}-byte limit`);
    }
    case 'entity.parse.failed':
      return validationProblem([{ in: 'body', field: '(body)', message: 'malformed JSON' }]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(
        415,
        'unsupported-media-type',
        'send the body as UTF-8 JSON, identity/gzip/deflate encoded',
      );
  }
  const status = Number(parserError?.status ?? parserError?.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    const detail = error instanceof URIError ? 'a path segment is not valid percent-encoding' : 'bad request';
    return new HttpProblem(status, 'bad-request', detail);
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn({ route: res.locals.route, err: error }, 'database unavailable');
    return new HttpProblem(503, 'database-unavailable', 'the database is unreachable; nothing was applied', {
      retryAfterSeconds,
    });
  }
  logger.error({ route: res.locals.route, method: req.method, err: error }, 'unhandled error');
  return new HttpProblem(500, 'internal', 'internal error; it was logged');
}
