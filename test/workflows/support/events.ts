import { randomUUID } from 'node:crypto';
import type { EpochMs, UserEvent } from '../../../domain/types';

export function userEvent(
  userId: string,
  type: string,
  properties: UserEvent['properties'],
  occurredAt: EpochMs,
  id: string = `evt-${randomUUID()}`,
): UserEvent {
  return { id, userId, type, occurredAt, properties };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
