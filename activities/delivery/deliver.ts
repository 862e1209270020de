// Delivery for the sendNotification activity: routing, idempotent per-endpoint sends, token hygiene, fallback.
import { performance } from 'node:perf_hooks';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_POLICY, categoryPolicy, type PolicyConfig } from '../../domain/config';
import type { Candidate, Channel, CategoryPolicy, EpochMs } from '../../domain/types';
import type { DeliveryLedger, Endpoint, EndpointDirectory, LedgerKey, OutboxStore } from '../../domain/ports';
import { LedgerConflictError } from '../../db/errors';
import type { DeepLinkVerdict } from '../../localization/deep-link';
import type {
  DeliverNotificationInput,
  DeliveryResult,
  EarlierAttempt,
  FitPushPayload,
  ProviderResult,
  PushMessage,
  Providers,
  Render,
} from './types';
import { pushProviderFor } from './types';
import { heartbeat, throwIfCancelled } from './activity-progress';
import { clientReference } from './client-reference';
import type { SendRate } from './send-rate';
import { endpointKey, redactedDestination } from '../../tokens/endpoint-identity';
import { DRY_RUN_PREFIX, DryRunOutbox } from './providers/dry-run-outbox';
import { buildEmailMessage, buildPushMessage, buildSmsMessage, type Rendered, type UnsubscribeConfig } from './content';
import { durationMs, subMs } from '../../domain/units';

/** Structured log sink; fields never carry tokens, addresses, phone numbers or message text. */
export type DeliveryLog = (
  level: 'info' | 'warn',
  event: string,
  fields: Record<string, string | number | boolean>,
) => void;

export interface DeliveryDeps {
  ledger: DeliveryLedger;
  endpoints: EndpointDirectory;
  outbox: OutboxStore;
  providers: Providers;
  render: Render;
  fitPushPayload: FitPushPayload;
  /** Deep links failing this are left out of the push (the notification still goes, without a link). */
  validateDeepLink: (url: string) => DeepLinkVerdict;
  unsubscribe: UnsubscribeConfig;
  now: () => EpochMs;
  policy?: PolicyConfig;
  log?: DeliveryLog;
  /** The deployment-wide per-provider send rate (activities/delivery/send-rate.ts); none: unlimited. */
  sendRate?: SendRate;
  /** Told of every provider call (operators' metrics, workers/metrics.ts); never given the endpoint or the message. */
  observeProviderCall?: (call: ProviderCall) => void;
  /**
   * How long a `pending` ledger entry counts as another attempt's send in flight (default
   * DEFAULT_IN_FLIGHT_WINDOW_MS). Older ones are presumed crashed and re-sent. See README, "Overlapping attempts".
   */
  inFlightWindowMs?: number;
  /**
   * Pauses between tries of recording an outcome the provider already gave (the database may be restarting): while
   * the attempt keeps the outcome in memory, a retry need not ask the provider again. Default RECORD_RETRY_DELAYS_MS.
   */
  recordRetryDelaysMs?: readonly number[];
}

/** One provider call: who answered, how (`ProviderResult` kind, or `error` when it threw) and how long it took. */
export interface ProviderCall {
  provider: string;
  result: ProviderResult['kind'] | 'error';
  seconds: number;
}

/** Failure types a workflow's retry policy and error handling can match on. */
export const DELIVERY_RETRYABLE = 'DeliveryRetryable';
/**
 * The longest one provider call may take: past it the attempt stops waiting and counts the endpoint as failed
 * transiently (every provider client also has its own, shorter request timeout).
 */
export const SEND_DEADLINE_MS = 20_000;
/**
 * A `pending` entry claimed longer ago than this is not in flight: the claim is written just before the provider
 * call, which ends within SEND_DEADLINE_MS; the rest is margin for clock differences between workers. It is at most
 * the send's heartbeat timeout (30 s), so the retry Temporal starts after a crashed attempt takes the entry over at
 * once instead of waiting out a longer window.
 */
export const DEFAULT_IN_FLIGHT_WINDOW_MS = SEND_DEADLINE_MS + 10_000;
/** About 75 s in all: a database restart, within the send attempt's 2 min start-to-close timeout. */
export const RECORD_RETRY_DELAYS_MS: readonly number[] = [
  500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000,
];

type Sender = (endpoint: Endpoint) => Promise<{ result: ProviderResult; provider: string }>;
/** Asks the provider whether an earlier attempt's request for this endpoint got through. */
type Finder = (endpoint: Endpoint) => Promise<EarlierAttempt>;
/** A channel's message is built once; `unsendable` when it cannot be (push text that cannot fit 4 KB). */
type ChannelSender = { kind: 'ready'; send: Sender; find?: Finder } | { kind: 'unsendable'; reason: string };

interface ChannelTally {
  delivered: number;
  permanent: string[];
  retryable: string[];
  /** Endpoints another, overlapping attempt is sending to right now. */
  inFlight: number;
}

export function createDeliverNotification(deps: DeliveryDeps) {
  const policyConfig = deps.policy ?? DEFAULT_POLICY;
  const log: DeliveryLog = deps.log ?? (() => {});
  const inFlightWindowMs = deps.inFlightWindowMs ?? DEFAULT_IN_FLIGHT_WINDOW_MS;
  const recordRetryDelaysMs = deps.recordRetryDelaysMs ?? RECORD_RETRY_DELAYS_MS;

  function checkedDeepLink(candidate: Candidate): string | undefined {
    if (candidate.deepLink === undefined) return undefined;
    const verdict = deps.validateDeepLink(candidate.deepLink);
    if (verdict.ok) return candidate.deepLink;
    log('warn', 'delivery.deep_link_rejected', { nid: candidate.id, reason: verdict.reason });
    return undefined;
  }

  function senderFor(
    channel: Channel,
    input: DeliverNotificationInput,
    rendered: Rendered,
    policy: CategoryPolicy,
  ): ChannelSender {
    const { candidate, userId, preferences } = input;
    const dryRun = new DryRunOutbox(deps.outbox, userId, deps.now);
    const actionLink = checkedDeepLink(candidate);
    switch (channel) {
      case 'push': {
        let message: PushMessage;
        try {
          message = buildPushMessage({
            candidate,
            userId,
            rendered,
            policy,
            lockScreenSafe: policy.sensitive || preferences.privacyMode,
            deepLink: actionLink,
            now: deps.now(),
            fit: deps.fitPushPayload,
          });
        } catch (error) {
          // Even the shortest text does not fit: no push endpoint can take it, another channel may.
          log('warn', 'delivery.malformed_payload', { nid: candidate.id, channel, reason: 'payload_too_large' });
          return {
            kind: 'unsendable',
            reason: `payload cannot fit the provider limit (${error instanceof Error ? error.message : String(error)})`,
          };
        }
        return {
          kind: 'ready',
          send: async (endpoint) => {
            if (endpoint.channel !== 'push') throw new TypeError(`push endpoint expected, got ${endpoint.channel}`);
            const provider = deps.providers[pushProviderFor(endpoint.platform)] ?? dryRun.push;
            return { result: await provider.send(endpoint, message), provider: provider.name };
          },
        };
      }
      case 'email': {
        const message = buildEmailMessage({
          candidate,
          userId,
          rendered,
          policy,
          unsubscribe: deps.unsubscribe,
          actionLink,
          now: deps.now(),
        });
        return {
          kind: 'ready',
          send: async (endpoint) => {
            if (endpoint.channel !== 'email') throw new TypeError(`email endpoint expected, got ${endpoint.channel}`);
            const provider = deps.providers.email ?? dryRun.email;
            return { result: await provider.send(endpoint, message), provider: provider.name };
          },
        };
      }
      case 'sms': {
        const message = buildSmsMessage(candidate, userId, rendered, actionLink);
        const live = deps.providers.sms;
        const findEarlier = live?.findEarlier?.bind(live);
        return {
          kind: 'ready',
          send: async (endpoint) => {
            if (endpoint.channel !== 'sms') throw new TypeError(`sms endpoint expected, got ${endpoint.channel}`);
            const provider = live ?? dryRun.sms;
            return { result: await provider.send(endpoint, message), provider: provider.name };
          },
          ...(findEarlier !== undefined && {
            find: async (endpoint: Endpoint) => {
              if (endpoint.channel !== 'sms') throw new TypeError(`sms endpoint expected, got ${endpoint.channel}`);
              return findEarlier(endpoint, message);
            },
          }),
        };
      }
    }
  }

  /** Monotonic time (not the product clock: a duration, never an instant), reported whether the call answers or throws. */
  async function timedSend(endpoint: Endpoint, send: Sender): ReturnType<Sender> {
    const observe = deps.observeProviderCall;
    if (observe === undefined) return send(endpoint);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const answer = await send(endpoint);
      observe({ provider: answer.provider, result: answer.result.kind, seconds: seconds() });
      return answer;
    } catch (error) {
      observe({ provider: providerOf(endpoint), result: 'error', seconds: seconds() });
      throw error;
    }
  }

  /** The provider a channel's endpoint goes to (`dry-run` when none is configured), for a call that threw. */
  function providerOf(endpoint: Endpoint): string {
    const provider =
      endpoint.channel === 'push'
        ? deps.providers[pushProviderFor(endpoint.platform)]
        : deps.providers[endpoint.channel];
    return provider?.name ?? 'dry-run';
  }

  /** Switches off an endpoint the provider called dead: a push token anywhere, an address or number for this user. */
  async function deactivate(userId: string, endpoint: Endpoint, reason: string, at: EpochMs): Promise<void> {
    if (endpoint.channel === 'push') await deps.endpoints.deactivateToken(endpoint.token, reason, at);
    else await deps.endpoints.deactivateEndpoint(userId, endpoint, reason, at);
  }

  /**
   * Writes an outcome the provider gave. A database that fails now (restarting) is tried again for a while, the
   * attempt heartbeating meanwhile: the outcome is only in this process's memory, and a later attempt would have to
   * send again (or ask the provider) to learn it.
   */
  async function record(key: LedgerKey, outcome: Parameters<DeliveryLedger['markOutcome']>[1]): Promise<EpochMs> {
    for (let tries = 0; ; tries += 1) {
      const at = deps.now();
      try {
        await deps.ledger.markOutcome(key, outcome, at);
        return at;
      } catch (error) {
        const delay = recordRetryDelaysMs[tries];
        if (delay === undefined || error instanceof LedgerConflictError) throw error;
        log('warn', 'delivery.record_retry', { nid: key.notificationId, status: outcome.status, tries: tries + 1 });
        heartbeat({ nid: key.notificationId, recording: outcome.status });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Sends to one endpoint unless the ledger shows this (notification, endpoint) settled or in flight in another
   * attempt. Every provider answer is recorded for this endpoint alone: none of them ends the whole delivery.
   */
  async function sendOnce(
    userId: string,
    candidate: Candidate,
    endpoint: Endpoint,
    sender: { send: Sender; find?: Finder },
    tally: ChannelTally,
    critical: boolean,
  ): Promise<void> {
    // Before the claim: a send that waits out the rate (or fails retryably) leaves no pending ledger entry behind.
    await deps.sendRate?.acquire(endpoint, critical);
    const key: LedgerKey = { userId, notificationId: candidate.id, endpointKey: endpointKey(endpoint) };
    const fields = { nid: candidate.id, channel: endpoint.channel, endpoint: redactedDestination(endpoint) };
    const claimedAt = deps.now();
    const claim = await deps.ledger.claim(
      {
        ...key,
        channel: endpoint.channel,
        clientReference: clientReference({ userId, notificationId: candidate.id }, endpoint),
      },
      claimedAt,
      subMs(claimedAt, durationMs(inFlightWindowMs)),
    );
    if (!claim.held) {
      const existing = claim.entry;
      switch (existing.status) {
        case 'sent':
          tally.delivered += 1;
          log('info', 'delivery.already_sent', fields);
          return;
        case 'failed_permanent':
          tally.permanent.push(existing.error ?? 'failed_permanent');
          return;
        case 'pending':
        case 'failed_retryable':
          // Claimed within the window by an attempt that may still be sending (Temporal started this one when that
          // one timed out): sending too would duplicate the notification. Its outcome is read on a later attempt.
          tally.inFlight += 1;
          log('info', 'delivery.in_flight_elsewhere', { ...fields, claimedAgoMs: claimedAt - existing.updatedAt });
          return;
      }
    }
    if (claim.sendAttempts > 1 && sender.find !== undefined) {
      // An earlier attempt claimed this endpoint and may have reached the provider before it crashed or lost the
      // answer: where the provider can say, ask it rather than send a second message.
      const earlier = await sender.find(endpoint);
      if (earlier.kind === 'found') {
        await record(key, { status: 'sent', providerMessageId: earlier.providerMessageId });
        tally.delivered += 1;
        log('info', 'delivery.found_earlier', { ...fields, sendAttempts: claim.sendAttempts });
        return;
      }
      if (earlier.kind === 'unreachable') {
        await record(key, { status: 'failed_retryable', error: `lookup ${earlier.code}` });
        log('warn', 'delivery.failed_retryable', { ...fields, code: `lookup ${earlier.code}` });
        tally.retryable.push(`lookup ${earlier.code}`);
        return;
      }
    }
    // This attempt holds the claim: a fresh entry, a retryable failure, or a `pending` entry older than the window
    // (an attempt that crashed between sending and recording: the documented duplicate window).
    const { result, provider } = await withinDeadline(timedSend(endpoint, sender.send), endpoint);
    switch (result.kind) {
      case 'ok':
        await record(key, { status: 'sent', providerMessageId: result.providerMessageId });
        tally.delivered += 1;
        log('info', 'delivery.sent', {
          ...fields,
          provider,
          dryRun: result.providerMessageId.startsWith(DRY_RUN_PREFIX),
        });
        return;
      case 'permanent': {
        const at = await record(key, { status: 'failed_permanent', error: result.code });
        if (result.endpointInvalid) {
          await deactivate(userId, endpoint, `${provider}: ${result.code}`, at);
          log('warn', endpoint.channel === 'push' ? 'delivery.token_invalidated' : 'delivery.endpoint_deactivated', {
            ...fields,
            provider,
            code: result.code,
            uninstall: endpoint.channel === 'push',
          });
        } else {
          log('warn', 'delivery.failed_permanent', { ...fields, provider, code: result.code });
        }
        tally.permanent.push(`${provider} ${result.code}`);
        return;
      }
      case 'retryable':
        await record(key, { status: 'failed_retryable', error: result.code });
        log('warn', 'delivery.failed_retryable', { ...fields, provider, code: result.code });
        tally.retryable.push(`${provider} ${result.code}`);
        return;
      case 'malformed': {
        // The provider refused this payload: the endpoint fails for this notification (not deactivated, it is not
        // the endpoint's fault); the other endpoints and channels still get theirs.
        const error = `malformed payload (${result.payloadBytes} bytes): ${result.code}`;
        await record(key, { status: 'failed_permanent', error });
        log('warn', 'delivery.malformed_payload', {
          ...fields,
          provider,
          code: result.code,
          payloadBytes: result.payloadBytes,
        });
        tally.permanent.push(`${provider} ${error}`);
        return;
      }
    }
  }

  return async function deliverNotification(input: DeliverNotificationInput): Promise<DeliveryResult> {
    const { candidate, profile, preferences, userId } = input;
    const policy = categoryPolicy(policyConfig, candidate.category);
    const channels = [...new Set(input.channels)].filter((c) => !preferences.optedOutChannels.includes(c));
    const notes: string[] = [];
    let attempted = false;

    for (const channel of channels) {
      const endpoints = await deps.endpoints.activeEndpoints(userId, channel);
      if (endpoints.length === 0) {
        notes.push(`${channel}: no active endpoint`);
        continue;
      }
      const rendered = deps.render({
        candidate,
        locale: profile.locale,
        timeZone: profile.timeZone,
        channel,
        privacyMode: preferences.privacyMode,
        sensitive: policy.sensitive,
      });
      if (rendered.kind === 'error') return { kind: 'failed', reason: 'template_error', detail: rendered.detail };

      attempted = true;
      const sender = senderFor(channel, input, rendered, policy);
      if (sender.kind === 'unsendable') {
        notes.push(`${channel}: ${sender.reason}`);
        continue;
      }
      const tally: ChannelTally = { delivered: 0, permanent: [], retryable: [], inFlight: 0 };
      // One endpoint at a time: a crash leaves a clean ledger prefix for the retry to skip, and a heartbeat after each
      // lets Temporal tell a stale attempt to stop before the next one.
      for (const [index, endpoint] of endpoints.entries()) {
        throwIfCancelled();
        await sendOnce(userId, candidate, endpoint, sender, tally, policy.priorityClass === 'critical');
        heartbeat({ nid: candidate.id, channel, endpointsDone: index + 1, endpoints: endpoints.length });
      }

      const unsettled = tally.retryable.length + tally.inFlight;
      if (tally.delivered > 0) {
        // The notification reached the user: it counts as sent. The other endpoints keep their ledger entries and
        // are not retried (retrying would hold a delivered notification hostage to one flaky device).
        if (unsettled > 0) {
          log('warn', 'delivery.partial', {
            nid: candidate.id,
            channel,
            delivered: tally.delivered,
            retryable: tally.retryable.length,
            inFlight: tally.inFlight,
            permanent: tally.permanent.length,
          });
        }
        return { kind: 'delivered', channel, endpoints: tally.delivered, at: deps.now() };
      }
      if (unsettled > 0) {
        // Temporal retries with backoff; the ledger keeps settled endpoints from being sent twice.
        const why = [
          tally.retryable.length > 0 ? `failed transiently (${tally.retryable.join(', ')})` : '',
          tally.inFlight > 0 ? `${tally.inFlight} in flight in another attempt` : '',
        ].filter((part) => part !== '');
        throw ApplicationFailure.retryable(
          `${channel} delivery of ${candidate.id}: ${unsettled} of ${endpoints.length} endpoint(s) ${why.join('; ')}`,
          DELIVERY_RETRYABLE,
        );
      }
      notes.push(`${channel}: every endpoint failed permanently (${tally.permanent.join(', ')})`);
    }

    if (channels.length === 0) notes.push('every allowed channel is opted out');
    const detail = notes.join('; ');
    return attempted
      ? { kind: 'failed', reason: 'delivery_failed', detail }
      : { kind: 'failed', reason: 'no_channel', detail };
  };
}

/** The provider's answer, or a transient failure once SEND_DEADLINE_MS passed (the request's outcome is unknown). */
async function withinDeadline(
  sending: Promise<{ result: ProviderResult; provider: string }>,
  endpoint: Endpoint,
): Promise<{ result: ProviderResult; provider: string }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<{ result: ProviderResult; provider: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ result: { kind: 'retryable', code: 'deadline' }, provider: endpoint.channel }),
      SEND_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([sending, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
