// The global send rate at the delivery boundary (docs/campaigns.md "Global send rate"): before a provider call, take a
// token of that provider's bucket (db/send-rate.ts), waiting for one with heartbeats; a send that finds none within
// `maxWaitMs` fails retryably and Temporal tries it again later. Critical sends may use the bucket's reserve.
import { ApplicationFailure } from '@temporalio/common';
import type { BucketLimit, TakeResult } from '../../db/send-rate';
import type { Endpoint } from '../../domain/ports';
import type { EpochMs } from '../../domain/types';
import { heartbeat, throwIfCancelled } from './activity-progress';
import { pushProviderFor } from './types';

export const SEND_RATE_PROVIDERS = ['apns', 'fcm', 'email', 'sms'] as const;
export type SendRateProvider = (typeof SEND_RATE_PROVIDERS)[number];

export interface SendRate {
  /** Resolves once the endpoint's provider has a token for this send; throws a retryable failure after the wait. */
  acquire(endpoint: Endpoint, critical: boolean): Promise<void>;
}

export interface SendRateDeps {
  buckets: { take(provider: string, limit: BucketLimit, critical: boolean, now: EpochMs): Promise<TakeResult> };
  limits: Partial<Record<SendRateProvider, BucketLimit>>;
  now: () => EpochMs;
  /** Longest wait for a token within one attempt; below the send's heartbeat timeout. Default 20 s. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Which bucket an endpoint's send draws on. */
export function rateProviderOf(endpoint: Endpoint): SendRateProvider {
  return endpoint.channel === 'push' ? pushProviderFor(endpoint.platform) : endpoint.channel;
}

export function createSendRate(deps: SendRateDeps): SendRate {
  const maxWaitMs = deps.maxWaitMs ?? 20_000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    async acquire(endpoint, critical) {
      const provider = rateProviderOf(endpoint);
      const limit = deps.limits[provider];
      if (limit === undefined) return;
      let waited = 0;
      for (;;) {
        const result = await deps.buckets.take(provider, limit, critical, deps.now());
        if (result.taken) return;
        if (waited + result.retryInMs > maxWaitMs) {
          throw ApplicationFailure.retryable(
            `the deployment's ${provider} send rate (${limit.ratePerSecond}/s) has no token free; retrying later`,
            'SendRateBusy',
          );
        }
        const pause = Math.max(5, Math.min(result.retryInMs, 1_000));
        await sleep(pause);
        waited += pause;
        throwIfCancelled();
        heartbeat({ waitingForSendRate: provider, waitedMs: waited });
      }
    },
  };
}

/**
 * TACT_SEND_RATE: JSON of provider → sends per second, or → {ratePerSecond, capacity, criticalReserve}, e.g.
 * `{"fcm":500,"apns":{"ratePerSecond":300,"criticalReserve":0.3},"sms":10}`. Unset: no global limit.
 */
export function sendRateLimitsFromEnv(value: string | undefined): Partial<Record<SendRateProvider, BucketLimit>> {
  if (value === undefined || value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error('TACT_SEND_RATE must be JSON, e.g. {"fcm":500,"sms":10}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('TACT_SEND_RATE must be a JSON object of provider → rate');
  }
  const limits: Partial<Record<SendRateProvider, BucketLimit>> = {};
  for (const [provider, raw] of Object.entries(parsed)) {
    if (!(SEND_RATE_PROVIDERS as readonly string[]).includes(provider)) {
      throw new Error(`TACT_SEND_RATE.${provider}: unknown provider (use ${SEND_RATE_PROVIDERS.join(', ')})`);
    }
    const limit: BucketLimit = typeof raw === 'number' ? { ratePerSecond: raw } : (raw as BucketLimit);
    const positive = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;
    if (!positive(limit.ratePerSecond)) throw new Error(`TACT_SEND_RATE.${provider}: ratePerSecond must be > 0`);
    if (limit.capacity !== undefined && !positive(limit.capacity)) {
      throw new Error(`TACT_SEND_RATE.${provider}: capacity must be > 0`);
    }
    const reserve = limit.criticalReserve;
    if (reserve !== undefined && !(typeof reserve === 'number' && reserve >= 0 && reserve < 1)) {
      throw new Error(`TACT_SEND_RATE.${provider}: criticalReserve must be in [0, 1)`);
    }
    limits[provider as SendRateProvider] = limit;
  }
  return limits;
}
