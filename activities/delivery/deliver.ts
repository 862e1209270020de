// The deliverNotification activity: routing, idempotent per-endpoint sends, token hygiene, fallback.
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_POLICY, categoryPolicy, type PolicyConfig } from '../../domain/config';
import type { Candidate, Channel, CategoryPolicy, EpochMs } from '../../domain/types';
import type { DeliveryLedger, Endpoint, EndpointDirectory, OutboxStore } from '../../domain/ports';
import type { DeepLinkVerdict } from '../localization/deep-link';
import type {
  DeliverNotificationInput,
  DeliveryResult,
  FitPushPayload,
  ProviderResult,
  PushMessage,
  Providers,
  Render,
} from './types';
import { pushProviderFor } from './types';
import { endpointKey, redactedDestination } from './endpoint-identity';
import { DRY_RUN_PREFIX, DryRunOutbox } from './providers/dry-run-outbox';
import { buildEmailMessage, buildPushMessage, buildSmsMessage, type Rendered, type UnsubscribeConfig } from './content';

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
}

/** Failure types a workflow's retry policy and error handling can match on. */
export const DELIVERY_RETRYABLE = 'DeliveryRetryable';
export const MALFORMED_PAYLOAD = 'MalformedPayload';

type Sender = (endpoint: Endpoint) => Promise<{ result: ProviderResult; provider: string }>;

interface ChannelTally {
  delivered: number;
  permanent: string[];
  retryable: string[];
}

export function createDeliverNotification(deps: DeliveryDeps) {
  const policyConfig = deps.policy ?? DEFAULT_POLICY;
  const log: DeliveryLog = deps.log ?? (() => {});

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
  ): Sender {
    const { candidate, userId, preferences } = input;
    const dryRun = new DryRunOutbox(deps.outbox, userId, deps.now);
    const lockScreenSafe = policy.sensitive || preferences.privacyMode;
    switch (channel) {
      case 'push': {
        let message: PushMessage;
        try {
          message = buildPushMessage({
            candidate,
            rendered,
            policy,
            lockScreenSafe,
            deepLink: checkedDeepLink(candidate),
            now: deps.now(),
            fit: deps.fitPushPayload,
          });
        } catch (error) {
          // Even the shortest text does not fit: the same payload can never be sent.
          throw ApplicationFailure.nonRetryable(
            `push payload of ${candidate.id} cannot fit the provider limit: ${error instanceof Error ? error.message : String(error)}`,
            MALFORMED_PAYLOAD,
            { channel: 'push', provider: 'none', reason: 'payload_too_large' },
          );
        }
        return async (endpoint) => {
          if (endpoint.channel !== 'push') throw new TypeError(`push endpoint expected, got ${endpoint.channel}`);
          const provider = deps.providers[pushProviderFor(endpoint.platform)] ?? dryRun.push;
          return { result: await provider.send(endpoint, message), provider: provider.name };
        };
      }
      case 'email': {
        const message = buildEmailMessage({
          candidate,
          userId,
          rendered,
          policy,
          unsubscribe: deps.unsubscribe,
          now: deps.now(),
        });
        return async (endpoint) => {
          if (endpoint.channel !== 'email') throw new TypeError(`email endpoint expected, got ${endpoint.channel}`);
          const provider = deps.providers.email ?? dryRun.email;
          return { result: await provider.send(endpoint, message), provider: provider.name };
        };
      }
      case 'sms': {
        const message = buildSmsMessage(candidate, rendered);
        return async (endpoint) => {
          if (endpoint.channel !== 'sms') throw new TypeError(`sms endpoint expected, got ${endpoint.channel}`);
          const provider = deps.providers.sms ?? dryRun.sms;
          return { result: await provider.send(endpoint, message), provider: provider.name };
        };
      }
    }
  }

  /** Sends to one endpoint unless the ledger shows this (notification, endpoint) already settled. */
  async function sendOnce(candidate: Candidate, endpoint: Endpoint, send: Sender, tally: ChannelTally): Promise<void> {
    const key = endpointKey(endpoint);
    const fields = { nid: candidate.id, channel: endpoint.channel, endpoint: redactedDestination(endpoint) };
    const existing = await deps.ledger.claim(
      { notificationId: candidate.id, endpointKey: key, channel: endpoint.channel },
      deps.now(),
    );
    if (existing?.status === 'sent') {
      tally.delivered += 1;
      log('info', 'delivery.already_sent', fields);
      return;
    }
    if (existing?.status === 'failed_permanent') {
      tally.permanent.push(existing.error ?? 'failed_permanent');
      return;
    }
    // A `pending` entry means an earlier attempt may have sent and crashed before recording: we send again
    // (APNs gets the same apns-id and collapse id, Android/web the same tag, email the same Message-ID).
    const { result, provider } = await send(endpoint);
    const at = deps.now();
    switch (result.kind) {
      case 'ok':
        await deps.ledger.markOutcome(
          candidate.id,
          key,
          { status: 'sent', providerMessageId: result.providerMessageId },
          at,
        );
        tally.delivered += 1;
        log('info', 'delivery.sent', {
          ...fields,
          provider,
          dryRun: result.providerMessageId.startsWith(DRY_RUN_PREFIX),
        });
        return;
      case 'permanent':
        await deps.ledger.markOutcome(candidate.id, key, { status: 'failed_permanent', error: result.code }, at);
        if (result.tokenInvalid && endpoint.channel === 'push') {
          await deps.endpoints.deactivateToken(endpoint.token, `${provider}: ${result.code}`, at);
          log('warn', 'delivery.token_invalidated', { ...fields, provider, code: result.code, uninstall: true });
        } else {
          log('warn', 'delivery.failed_permanent', { ...fields, provider, code: result.code });
        }
        tally.permanent.push(`${provider} ${result.code}`);
        return;
      case 'retryable':
        await deps.ledger.markOutcome(candidate.id, key, { status: 'failed_retryable', error: result.code }, at);
        log('warn', 'delivery.failed_retryable', { ...fields, provider, code: result.code });
        tally.retryable.push(`${provider} ${result.code}`);
        return;
      case 'malformed': {
        const error = `malformed payload (${result.payloadBytes} bytes): ${result.code}`;
        await deps.ledger.markOutcome(candidate.id, key, { status: 'failed_permanent', error }, at);
        log('warn', 'delivery.malformed_payload', {
          ...fields,
          provider,
          code: result.code,
          payloadBytes: result.payloadBytes,
        });
        throw ApplicationFailure.nonRetryable(
          `${provider} rejected the ${endpoint.channel} payload of ${candidate.id} (${result.payloadBytes} bytes): ${result.code}`,
          MALFORMED_PAYLOAD,
          { channel: endpoint.channel, provider, payloadBytes: result.payloadBytes, reason: result.code },
        );
      }
    }
  }

  return async function deliverNotification(input: DeliverNotificationInput): Promise<DeliveryResult> {
    const { candidate, profile, preferences } = input;
    const policy = categoryPolicy(policyConfig, candidate.category);
    const channels = [...new Set(input.channels)].filter((c) => !preferences.optedOutChannels.includes(c));
    const notes: string[] = [];
    let attempted = false;

    for (const channel of channels) {
      const endpoints = await deps.endpoints.activeEndpoints(input.userId, channel);
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

      const send = senderFor(channel, input, rendered, policy);
      const tally: ChannelTally = { delivered: 0, permanent: [], retryable: [] };
      // One device at a time: a crash leaves a clean ledger prefix for the retry to skip.
      for (const endpoint of endpoints) await sendOnce(candidate, endpoint, send, tally);

      if (tally.retryable.length > 0) {
        // Temporal retries with backoff; endpoints already `sent` are skipped by the ledger on the next attempt.
        throw ApplicationFailure.retryable(
          `${channel} delivery of ${candidate.id}: ${tally.retryable.length} of ${endpoints.length} endpoint(s) failed transiently (${tally.retryable.join(', ')})`,
          DELIVERY_RETRYABLE,
        );
      }
      if (tally.delivered > 0) {
        return { kind: 'delivered', channel, endpoints: tally.delivered, at: deps.now() };
      }
      attempted = true;
      notes.push(`${channel}: every endpoint failed permanently (${tally.permanent.join(', ')})`);
    }

    if (channels.length === 0) notes.push('every allowed channel is opted out');
    const detail = notes.join('; ');
    return attempted
      ? { kind: 'failed', reason: 'delivery_failed', detail }
      : { kind: 'failed', reason: 'no_channel', detail };
  };
}
