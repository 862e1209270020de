import { randomUUID } from 'node:crypto';
import { DEFAULT_TRIGGERS } from '../../../domain';
import type { EpochMs, UserEvent } from '../../../domain/types';
import { days, hours, minutes } from '../../../domain/units';

export function userEvent(
  userId: string,
  type: string,
  properties: UserEvent['properties'],
  occurredAt: EpochMs,
  id: string = `evt-${randomUUID()}`,
): UserEvent {
  return { id, userId, type, occurredAt, properties };
}

export const MINUTE = minutes(1);
export const HOUR = hours(1);
export const DAY = days(1);

/** The template the default trigger rules use for an event type (the rules own template names). */
export function templateFor(eventType: string): string {
  const rule = DEFAULT_TRIGGERS.find((r) => r.eventType === eventType);
  if (!rule) throw new Error(`no default trigger for ${eventType}`);
  return rule.template;
}
