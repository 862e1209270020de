// In-memory implementations of the delivery ports for tests (the PostgreSQL ones live in db/).
import type {
  DeliveryLedger,
  DeviceRecord,
  Endpoint,
  EndpointDirectory,
  LedgerClaim,
  LedgerEntry,
  LedgerKey,
  OutboxEntry,
  OutboxStore,
} from '../../../domain/ports';
import type { Channel, EpochMs } from '../../../domain/types';

export class InMemoryLedger implements DeliveryLedger {
  readonly entries = new Map<string, LedgerEntry>();

  private key({ userId, notificationId, endpointKey }: LedgerKey): string {
    return `${userId}\u0000${notificationId}\u0000${endpointKey}`;
  }

  async claim(
    entry: Omit<LedgerEntry, 'status' | 'updatedAt' | 'sendAttempts'>,
    now: EpochMs,
    inFlightSince?: EpochMs,
  ): Promise<LedgerClaim> {
    const key = this.key(entry);
    const existing = this.entries.get(key);
    const takeOver =
      existing !== undefined &&
      inFlightSince !== undefined &&
      (existing.status === 'failed_retryable' || (existing.status === 'pending' && existing.updatedAt < inFlightSince));
    if (existing && !takeOver) return { held: false, entry: { ...existing } };
    const sendAttempts = (existing?.sendAttempts ?? 0) + 1;
    this.entries.set(key, { ...entry, status: 'pending', sendAttempts, updatedAt: now });
    return { held: true, sendAttempts };
  }

  async markOutcome(
    ledgerKey: LedgerKey,
    outcome: Pick<LedgerEntry, 'status' | 'providerMessageId' | 'error'>,
    now: EpochMs,
  ): Promise<void> {
    const key = this.key(ledgerKey);
    const existing = this.entries.get(key);
    if (!existing) throw new Error(`markOutcome without claim: ${ledgerKey.notificationId}`);
    this.entries.set(key, { ...existing, ...outcome, updatedAt: now });
  }

  async list(notificationId: string, userId?: string): Promise<LedgerEntry[]> {
    return [...this.entries.values()].filter(
      (e) => e.notificationId === notificationId && (userId === undefined || e.userId === userId),
    );
  }
}

type ContactRecord = {
  userId: string;
  endpoint: Extract<Endpoint, { channel: 'email' | 'sms' }>;
  active: boolean;
  lastError?: string;
  deactivatedAt?: EpochMs;
};

export class InMemoryEndpoints implements EndpointDirectory {
  readonly devices: DeviceRecord[] = [];
  readonly contacts: ContactRecord[] = [];

  addDevice(userId: string, platform: DeviceRecord['platform'], token: string): this {
    this.devices.push({ userId, platform, token, active: true });
    return this;
  }

  addEmail(userId: string, address: string): this {
    this.contacts.push({ userId, endpoint: { channel: 'email', address }, active: true });
    return this;
  }

  addPhone(userId: string, phone: string): this {
    this.contacts.push({ userId, endpoint: { channel: 'sms', phone }, active: true });
    return this;
  }

  contact(userId: string, channel: 'email' | 'sms'): ContactRecord | undefined {
    return this.contacts.find((c) => c.userId === userId && c.endpoint.channel === channel);
  }

  device(token: string): DeviceRecord | undefined {
    return this.devices.find((d) => d.token === token);
  }

  async activeEndpoints(userId: string, channel: Channel): Promise<Endpoint[]> {
    if (channel === 'push') {
      return this.devices
        .filter((d) => d.userId === userId && d.active)
        .map((d) => ({ channel: 'push', platform: d.platform, token: d.token }));
    }
    return this.contacts
      .filter((c) => c.userId === userId && c.endpoint.channel === channel && c.active)
      .map((c) => c.endpoint);
  }

  async deactivateToken(token: string, reason: string, at: EpochMs): Promise<void> {
    for (const device of this.devices) {
      if (device.token === token && device.active) {
        device.active = false;
        device.lastError = reason;
        device.deactivatedAt = at;
      }
    }
  }

  async deactivateEndpoint(userId: string, endpoint: Endpoint, reason: string, at: EpochMs): Promise<void> {
    if (endpoint.channel === 'push') {
      if (this.devices.some((d) => d.userId === userId && d.token === endpoint.token))
        await this.deactivateToken(endpoint.token, reason, at);
      return;
    }
    for (const contact of this.contacts) {
      if (
        contact.userId === userId &&
        contact.active &&
        JSON.stringify(contact.endpoint) === JSON.stringify(endpoint)
      ) {
        contact.active = false;
        contact.lastError = reason;
        contact.deactivatedAt = at;
      }
    }
  }
}

export class InMemoryOutbox implements OutboxStore {
  readonly entries = new Map<string, OutboxEntry>();

  async record(entry: OutboxEntry): Promise<void> {
    if (!this.entries.has(entry.id)) this.entries.set(entry.id, entry);
  }

  async list(filter: { userId?: string; limit: number }): Promise<OutboxEntry[]> {
    return [...this.entries.values()]
      .filter((e) => filter.userId === undefined || e.userId === filter.userId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, filter.limit);
  }
}
