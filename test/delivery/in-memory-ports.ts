// In-memory implementations of the delivery ports for tests (the PostgreSQL ones live in db/).
import type {
  DeliveryLedger,
  DeviceRecord,
  Endpoint,
  EndpointDirectory,
  LedgerEntry,
  OutboxEntry,
  OutboxStore,
} from '../../domain/ports';
import type { Channel, EpochMs } from '../../domain/types';

export class InMemoryLedger implements DeliveryLedger {
  readonly entries = new Map<string, LedgerEntry>();

  private key(notificationId: string, endpointKey: string): string {
    return `${notificationId}\u0000${endpointKey}`;
  }

  async claim(entry: Omit<LedgerEntry, 'status' | 'updatedAt'>, now: EpochMs): Promise<LedgerEntry | null> {
    const key = this.key(entry.notificationId, entry.endpointKey);
    const existing = this.entries.get(key);
    if (existing) return { ...existing };
    this.entries.set(key, { ...entry, status: 'pending', updatedAt: now });
    return null;
  }

  async markOutcome(
    notificationId: string,
    endpointKey: string,
    outcome: Pick<LedgerEntry, 'status' | 'providerMessageId' | 'error'>,
    now: EpochMs,
  ): Promise<void> {
    const key = this.key(notificationId, endpointKey);
    const existing = this.entries.get(key);
    if (!existing) throw new Error(`markOutcome without claim: ${notificationId}`);
    this.entries.set(key, { ...existing, ...outcome, updatedAt: now });
  }

  async list(notificationId: string): Promise<LedgerEntry[]> {
    return [...this.entries.values()].filter((e) => e.notificationId === notificationId);
  }
}

type ContactRecord = { userId: string; endpoint: Extract<Endpoint, { channel: 'email' | 'sms' }> };

export class InMemoryEndpoints implements EndpointDirectory {
  readonly devices: DeviceRecord[] = [];
  readonly contacts: ContactRecord[] = [];

  addDevice(userId: string, platform: DeviceRecord['platform'], token: string): this {
    this.devices.push({ userId, platform, token, active: true });
    return this;
  }

  addEmail(userId: string, address: string): this {
    this.contacts.push({ userId, endpoint: { channel: 'email', address } });
    return this;
  }

  addPhone(userId: string, phone: string): this {
    this.contacts.push({ userId, endpoint: { channel: 'sms', phone } });
    return this;
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
    return this.contacts.filter((c) => c.userId === userId && c.endpoint.channel === channel).map((c) => c.endpoint);
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
