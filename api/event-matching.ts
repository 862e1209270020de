// What an event produces, decided where the catalog and the user's attributes are (here, not in the workflow): the
// rules that match it, the candidates they make (ids `<event id>:<rule index>`), and the signal to send, which
// carries those candidates and only the event properties some rule reads. Pure apart from reading the attributes,
// so any ingestion path (a request, a dispatcher draining stored events) can call it.
import { matchEvent, rulesReadUserAttributes, screenEvent, type UserAttributes } from '../domain/triggers';
import type { UserEvent } from '../domain/types';
import type { EpochMs } from '../domain/types';
import type { UserEventSignal } from '../workflows/definitions';
import type { ApiCatalog } from './services';

export interface EventOutcome {
  /** Ids of the rules that matched, in catalog order. */
  matchedRules: string[];
  candidateIds: string[];
  /** The catalog declares the event type an engagement (like an app session). */
  engagement: boolean;
  /** What to signal, or null when nothing in the workflow would change (no candidate). */
  signal: UserEventSignal | null;
}

export function eventOutcome(
  { catalog, ruleSet }: ApiCatalog,
  event: UserEvent,
  now: EpochMs,
  attributes: UserAttributes,
): EventOutcome {
  const match = matchEvent(event, catalog.triggers, now, ruleSet.policy, attributes);
  return {
    matchedRules: match.rules,
    candidateIds: match.candidates.map((c) => c.id),
    engagement: catalog.engagementEvents.includes(event.type),
    signal:
      match.candidates.length === 0
        ? null
        : {
            ...screenEvent(event, catalog.triggers),
            candidates: match.candidates,
            configVersion: { id: ruleSet.id, since: ruleSet.since },
          },
  };
}

/** Whether matching this event type needs the user's stored attributes. */
export function needsAttributes({ catalog }: ApiCatalog, eventType: string): boolean {
  return rulesReadUserAttributes(catalog.triggers, eventType);
}

/** The answer's note when nothing matched. */
export function noRuleNote(outcome: EventOutcome, eventType: string): string | undefined {
  if (outcome.matchedRules.length > 0) return undefined;
  return outcome.engagement
    ? `"${eventType}" is an engagement event: counted, no notification`
    : `no rule of the catalog matches event type "${eventType}": stored, nothing to do`;
}
