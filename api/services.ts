// What the handlers work with, resolved once by createApp.
import type pg from 'pg';
import type { Repositories } from '../db/repositories';
import type { AbuseLimits } from './abuse-limits';
import type { UserErasures } from './erasure-client';
import type { Catalog, RuleSet } from '../domain/catalog';
import type { Logger } from './logger';
import type { ApiMetrics } from './metrics';
import { temporalUnavailable } from './problem';
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
  /** Users signalled at once by one batch request. */
  signalConcurrency: number;
  /** Enables the one-click unsubscribe endpoint (the secret the email links were signed with). */
  unsubscribeSecret?: string | undefined;
  /** Starts erasure workflows; without it DELETE /v1/users/{id} is absent. */
  erasures?: UserErasures;
  abuse?: AbuseLimits;
  /** The deployment's catalog and its current version: events are matched and candidates validated against it. */
  catalog: ApiCatalog;
}

export interface ApiCatalog {
  catalog: Catalog;
  ruleSet: RuleSet;
}

/** Runs a signal; an unreachable Temporal becomes the 503 problem. */
export async function signalOr503(services: ApiServices, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (error instanceof WorkflowsUnavailableError) throw temporalUnavailable(services.retryAfterSeconds);
    throw error;
  }
}
