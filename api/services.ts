// What the handlers work with, resolved once by createApp.
import type pg from 'pg';
import type { Repositories } from '../db/repositories';
import type { AbuseLimits } from './abuse-limits';
import type { UserErasures } from './erasure-client';
import type { Catalog, RuleSet } from '../domain/catalog';
import type { EpochMs } from '../domain/types';
import type { IngestControl } from './ingest';
import type { Logger } from './logger';
import type { ApiMetrics } from './metrics';
import { WorkflowsUnavailableError, type UserWorkflows } from './workflow-gateway';

export interface ApiServices {
  repos: Repositories;
  pool: pg.Pool;
  workflows: UserWorkflows;
  metrics: ApiMetrics;
  logger: Logger;
  /** Retry-After of a 503. */
  retryAfterSeconds: number;
  /** A pending event claim older than this is taken for a crashed request and re-signalled by a repeat. */
  claimStaleAfterMs: number;
  /** How long GET /state waits for the workflow's answer before it serves the stored view. */
  stateQueryDeadlineMs: number;
  /** The API's clock. */
  now: () => EpochMs;
  /** Enables the one-click unsubscribe endpoint (the secret the email links were signed with). */
  unsubscribeSecret?: string | undefined;
  /** Starts erasure workflows; without it DELETE /v1/users/{id} is absent. */
  erasures?: UserErasures;
  abuse?: AbuseLimits;
  /** Durable-first ingestion: lag, back-pressure and the in-process dispatcher's wake-up. */
  ingest: IngestControl;
  /** The deployment's catalog and its current version: events are matched and candidates validated against it. */
  catalog: ApiCatalog;
}

export interface ApiCatalog {
  catalog: Catalog;
  ruleSet: RuleSet;
}

/**
 * Signals a settings change that is already stored; when Temporal is unreachable, queues it for the dispatcher instead
 * (it re-reads the stored value when Temporal is back), so the answer agrees with the write: no 503 after it.
 */
export async function signalOrQueue(
  services: ApiServices,
  item: { userId: string; kind: 'profile' | 'preferences' | 'devices'; now: EpochMs },
  send: () => Promise<void>,
): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (!(error instanceof WorkflowsUnavailableError)) throw error;
    await services.repos.ingest.enqueue(
      [{ userId: item.userId, kind: item.kind, itemId: item.kind, payload: { at: item.now } }],
      item.now,
    );
    services.ingest.accepted();
    services.logger.warn({ kind: item.kind }, 'Temporal unavailable: settings change queued for the dispatcher');
  }
}
