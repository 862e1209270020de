// The production activities of the Tact worker, composed in one place: PostgreSQL repositories, providers from the
// environment (dry-run outbox for channels without credentials), localization with database template overrides,
// scoring and the decision log. `npm start`'s worker and docker-compose's worker both get their activities here.
import { JourneyRunRepository } from '../db/journeys';
import { createModelScoring } from './model/scoring';
import { OpenModelRepository } from '../db/open-models';
import type pg from 'pg';
import { DEFAULT_POLICY, type PolicyConfig } from '../domain/config';
import type { EpochMs } from '../domain/types';
import { IngestQueueRepository } from '../db/ingest-queue';
import { DecisionRepository } from '../db/decisions';
import { EndpointRepository } from '../db/devices';
import { SendRateRepository } from '../db/send-rate';
import { createSendRate, sendRateLimitsFromEnv } from './delivery/send-rate';
import { LedgerRepository } from '../db/ledger';
import { OutboxRepository } from '../db/outbox';
import { PreferencesRepository } from '../db/preferences';
import {
  DEFAULT_OVERRIDE_REFRESH_MS,
  startTemplateOverrideSnapshot,
  TemplateOverrideRepository,
  type TemplateOverrideSnapshot,
} from '../db/template-overrides';
import { withTransaction } from '../db/sql';
import { UserRepository } from '../db/users';
import {
  createDeliverNotification,
  DeliveryConfigError,
  describeProviders,
  closeProviders,
  providersFromEnv,
  unsubscribeConfigFromEnv,
  type DeliveryDeps,
  type Env,
  type Providers,
  type UnsubscribeConfig,
} from './delivery';
import {
  createTemplateCatalog,
  fitPushPayload,
  renderNotification,
  validateDeepLink,
  type AllowedDeepLinks,
} from '../localization';
import type { RuleSet } from '../domain/catalog';
import { SessionRepository } from '../db/sessions';
import { createActivities, type Deliver } from './index';
import type { TactActivities } from './types';
import { createStoredSendHistory, createStoredUserSettings, type VersionedPreferencesReader } from './user-settings';
import { wallClock } from '../clock';

/** Structured log sink. Fields never carry tokens, addresses, phone numbers, message text or secrets. */
export type RuntimeLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, string | number | boolean>,
) => void;

export interface RuntimeActivitiesOptions {
  /** Tact's database (`openDatabase().pool`), migrated. */
  pool: pg.Pool;
  /** Provider credentials, deep-link allow-list and refresh period; default `process.env`. */
  env?: Env;
  now?: () => EpochMs;
  log?: RuntimeLog;
  /**
   * Providers that replace the environment's for their channel, e.g. an FCM provider behind an egress proxy
   * agent (which has no environment variable). Channels absent here and in the environment run dry.
   */
  providers?: Providers;
  policy?: PolicyConfig;
  /** Template tree; default `$TACT_TEMPLATES_DIR`, else `templates/` of this checkout (or the catalog's own tree). */
  templatesDir?: string;
  /** The catalog/policy version this worker runs with, handed to workflows on an older one (activities/handover.ts). */
  currentConfig?: () => RuleSet | undefined;
  /** Told of every provider call: the worker's metrics (workers/metrics.ts). */
  observeProviderCall?: DeliveryDeps['observeProviderCall'];
}

export interface RuntimeActivities {
  activities: TactActivities;
  /** The delivery sendNotification uses: the providers, templates and ledger composed here. */
  deliver: Deliver;
  /** Which channels are live and which go to the dry-run outbox (logged once at start). */
  channels: ReturnType<typeof describeProviders>;
  /**
   * The secret email unsubscribe links are signed with; the API verifies them with it. Without
   * TACT_UNSUBSCRIBE_SECRET and live email it is ephemeral, so an API in another process cannot verify dry-run links.
   */
  unsubscribe: UnsubscribeConfig;
  /** The database template overrides in use; `refresh()` after writing one to use it at once in this process. */
  templateOverrides: Pick<TemplateOverrideSnapshot, 'refresh' | 'size'>;
  /** Stops the override refresh and closes the providers created from the environment. */
  close(): Promise<void>;
}

/** Deep links the triggers produce by default are `app://…`; web links need an allowed host. */
export const DEFAULT_DEEP_LINK_SCHEMES = ['app', 'https'];

/**
 * Composes the worker's activities. Fails at once, naming the variable, on bad configuration (a partly configured
 * provider, an unreadable credential file, an invalid template tree or deep-link setting).
 */
export async function createRuntimeActivities(options: RuntimeActivitiesOptions): Promise<RuntimeActivities> {
  const env = options.env ?? process.env;
  const now = options.now ?? wallClock;
  const log = options.log ?? jsonLog;
  const policy = options.policy ?? DEFAULT_POLICY;
  const allowedDeepLinks = deepLinksFromEnv(env);
  const refreshIntervalMs = refreshIntervalFromEnv(env);

  const fromEnv = providersFromEnv(env);
  const providers: Providers = { ...fromEnv, ...options.providers };
  let overrides: TemplateOverrideSnapshot | undefined;
  try {
    const unsubscribe = unsubscribeConfigFromEnv(env, providers);
    overrides = await startTemplateOverrideSnapshot(new TemplateOverrideRepository(options.pool), {
      refreshIntervalMs,
      onRefreshError: (error) =>
        log('error', 'templates.override_refresh_failed', {
          error: error instanceof Error ? error.message : 'unknown',
        }),
      onInvalidRow: (template, locale, problems) =>
        log('warn', 'templates.override_invalid', { template, locale, problems: problems.join('; ') }),
    });
    const catalog = createTemplateCatalog({
      ...(options.templatesDir !== undefined && { dir: options.templatesDir }),
      overrides,
      onOverrideRejected: (template, locale, problems) =>
        log('warn', 'templates.override_rejected', { template, locale, problems: problems.join('; ') }),
    });
    const deliver = createDeliverNotification({
      ledger: new LedgerRepository(options.pool),
      endpoints: new EndpointRepository(options.pool),
      outbox: new OutboxRepository(options.pool),
      providers,
      render: (input) => renderNotification(input, catalog),
      fitPushPayload,
      validateDeepLink: (url) => validateDeepLink(url, allowedDeepLinks),
      unsubscribe,
      now,
      policy,
      log,
      ...(options.observeProviderCall ? { observeProviderCall: options.observeProviderCall } : {}),
      sendRate: createSendRate({
        buckets: new SendRateRepository(options.pool),
        limits: sendRateLimitsFromEnv(env.TACT_SEND_RATE),
        now,
      }),
    });
    const described = describeProviders(providers);
    log('info', 'delivery.providers', { ...described, templateOverrides: overrides.size() });
    const snapshot = overrides;
    const decisions = new DecisionRepository(options.pool);
    const ingest = new IngestQueueRepository(options.pool);
    return {
      deliver,
      activities: createActivities({
        decisions,
        journeys: new JourneyRunRepository(options.pool),
        deliver,
        policy,
        settings: createStoredUserSettings({
          users: new UserRepository(options.pool),
          preferences: versionedPreferences(options.pool),
        }),
        sendHistory: createStoredSendHistory(decisions),
        score: createModelScoring({ models: new OpenModelRepository(options.pool), config: policy, now }),
        now,
        handover: {
          ...(options.currentConfig === undefined ? {} : { currentConfig: options.currentConfig }),
          sessions: new SessionRepository(options.pool),
        },
        onFreshRun: (userId, runId) => ingest.redrive(userId, runId),
      }),
      channels: described,
      unsubscribe,
      templateOverrides: { refresh: () => snapshot.refresh(), size: () => snapshot.size() },
      close: async () => {
        snapshot.close();
        await closeProviders(fromEnv);
      },
    };
  } catch (error) {
    overrides?.close();
    await closeProviders(fromEnv);
    throw error;
  }
}

/**
 * The stored preferences and their row's version from one snapshot (REPEATABLE READ), so the version is that of the
 * preferences read: a version read apart could be newer, and the workflow would then reject the signal of a write it
 * never saw.
 */
export function versionedPreferences(pool: pg.Pool): VersionedPreferencesReader {
  return {
    getVersioned: (userId) =>
      withTransaction(pool, async (client) => {
        await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const { rows } = await client.query<{ version: string }>('SELECT version FROM preferences WHERE user_id = $1', [
          userId,
        ]);
        if (rows[0] === undefined) return null;
        const preferences = await new PreferencesRepository(client).get(userId);
        // bigint arrives as a string; versions stay far below 2^53.
        return { preferences, version: Number(rows[0].version) };
      }),
  };
}

/**
 * `TACT_DEEP_LINK_SCHEMES` (comma-separated, default `app,https`) and `TACT_DEEP_LINK_HOSTS` (comma-separated
 * hosts for web links, `*.example.com` for subdomains; default none, so web links are left out of pushes).
 */
export function deepLinksFromEnv(env: Env): AllowedDeepLinks {
  const schemes = list(env.TACT_DEEP_LINK_SCHEMES) ?? DEFAULT_DEEP_LINK_SCHEMES;
  const badScheme = schemes.find((s) => !/^[a-z][a-z0-9+.-]*:?$/i.test(s));
  if (badScheme !== undefined) {
    throw new DeliveryConfigError(`TACT_DEEP_LINK_SCHEMES: "${badScheme}" is not a URL scheme`);
  }
  const hosts = list(env.TACT_DEEP_LINK_HOSTS) ?? [];
  const badHost = hosts.find((h) => !/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(h));
  if (badHost !== undefined) {
    throw new DeliveryConfigError(`TACT_DEEP_LINK_HOSTS: "${badHost}" is not a host name (or *.domain)`);
  }
  return { schemes, hosts };
}

/** `TACT_TEMPLATE_REFRESH_MS`: how often the worker reloads template overrides (default 15000; 0 = never). */
export function refreshIntervalFromEnv(env: Env): number {
  const raw = env.TACT_TEMPLATE_REFRESH_MS?.trim();
  if (raw === undefined || raw === '') return DEFAULT_OVERRIDE_REFRESH_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new DeliveryConfigError(`TACT_TEMPLATE_REFRESH_MS must be a whole number of milliseconds, got "${raw}"`);
  }
  return value;
}

function list(raw: string | undefined): string[] | undefined {
  const items = (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
}

function jsonLog(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, string | number | boolean>) {
  const line = JSON.stringify({ level, msg: event, time: new Date(wallClock()).toISOString(), ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}
