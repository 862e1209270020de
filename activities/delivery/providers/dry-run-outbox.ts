// Used for a channel (or push platform) without provider credentials: records what would have been sent
// in the outbox, labelled dry-run, and reports success so the product runs end to end without providers.
import type { EpochMs } from '../../../domain/types';
import type { Endpoint, OutboxEntry, OutboxStore } from '../../../domain/ports';
import type {
  EmailEndpoint,
  EmailMessage,
  EmailProvider,
  ProviderResult,
  PushEndpoint,
  PushMessage,
  PushProvider,
  SmsEndpoint,
  SmsMessage,
  SmsProvider,
} from '../types';
import { deterministicUuid, endpointKey, redactedDestination } from '../../../tokens/endpoint-identity';

export const DRY_RUN_PREFIX = 'dry-run:';

type OutboxContent = Pick<OutboxEntry, 'notificationId' | 'title' | 'body' | 'subject' | 'html' | 'data'>;

export class DryRunOutbox {
  constructor(
    private readonly outbox: OutboxStore,
    private readonly userId: string,
    private readonly now: () => EpochMs,
  ) {}

  readonly push: PushProvider = {
    name: 'dry-run-push',
    send: (endpoint: PushEndpoint, message: PushMessage) =>
      this.record(endpoint, {
        notificationId: message.notificationId,
        title: message.content.title,
        body: message.content.body,
        data: message.content.data,
      }),
    close: async () => {},
  };

  readonly email: EmailProvider = {
    name: 'dry-run-email',
    send: (endpoint: EmailEndpoint, message: EmailMessage) =>
      this.record(endpoint, {
        notificationId: message.notificationId,
        title: message.subject,
        body: message.text,
        subject: message.subject,
        html: message.html,
      }),
    close: async () => {},
  };

  readonly sms: SmsProvider = {
    name: 'dry-run-sms',
    send: (endpoint: SmsEndpoint, message: SmsMessage) =>
      this.record(endpoint, { notificationId: message.notificationId, title: '', body: message.text }),
    close: async () => {},
  };

  private async record(endpoint: Endpoint, content: OutboxContent): Promise<ProviderResult> {
    const key = endpointKey(endpoint);
    const id = deterministicUuid('outbox', this.userId, content.notificationId, key);
    await this.outbox.record({
      ...content,
      id,
      dryRun: true,
      userId: this.userId,
      channel: endpoint.channel,
      endpointKey: key,
      destination: redactedDestination(endpoint),
      createdAt: this.now(),
    });
    return { kind: 'ok', providerMessageId: `${DRY_RUN_PREFIX}${id}` };
  }
}
