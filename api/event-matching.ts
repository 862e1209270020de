// What an event produces, decided where the catalog and the user's attributes are (here, not in the workflow): the
// rules that match it, the candidates they make (ids `<event id>:<rule index>`), and the signal to send, which
// carries those candidates and only the event properties some rule reads. Pure apart from reading the attributes,
// so any ingestion path (a request, a dispatcher draining stored events) can call it.
import {
  conditionsHold,
  matchEvent,
  rulesReadUserAttributes,
  screenEvent,
  type UserAttributes,
} from '../domain/triggers';
import { JOURNEYS } from '../journeys/registry';
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
  const enroll = journeysEnrolledBy({ catalog, ruleSet }, event, attributes);
  // A journey reads the event's properties (its match, its data): such an event travels whole.
  const forJourneys = enroll.length > 0 || journeysListenTo(event.type);
  return {
    matchedRules: match.rules,
    candidateIds: match.candidates.map((c) => c.id),
    engagement: catalog.engagementEvents.includes(event.type),
    signal:
      match.candidates.length === 0 && !forJourneys
        ? null
        : {
            ...(forJourneys ? event : screenEvent(event, catalog.triggers)),
            candidates: match.candidates,
            configVersion: { id: ruleSet.id, since: ruleSet.since },
            ...(enroll.length === 0 ? {} : { enroll }),
          },
  };
}

/** The catalog's journeys whose enrollment rules this event meets (the user workflow then applies the rules). */
export function journeysEnrolledBy({ catalog }: ApiCatalog, event: UserEvent, attributes: UserAttributes): string[] {
  return catalog.journeys.flatMap((entry) => {
    const journey = Object.hasOwn(JOURNEYS, entry.id) ? JOURNEYS[entry.id] : undefined;
    const enrolls = journey?.enroll.on.some(
      (r) => r.eventType === event.type && conditionsHold(r.conditions, event, attributes),
    );
    return journey !== undefined && enrolls === true ? [journey.name] : [];
  });
}

/** Whether a running journey may wait for, or exit on, events of this type (the user workflow forwards them). */
export function journeysListenTo(eventType: string): boolean {
  return Object.values(JOURNEYS).some((j) => j.events.includes(eventType) || j.exit.events.includes(eventType));
}

/** Whether matching this event type needs the user's stored attributes. */
export function needsAttributes({ catalog }: ApiCatalog, eventType: string): boolean {
  const journeyRules = catalog.journeys.flatMap((entry) =>
    Object.hasOwn(JOURNEYS, entry.id) ? (JOURNEYS[entry.id]?.enroll.on ?? []) : [],
  );
  return (
    rulesReadUserAttributes(catalog.triggers, eventType) ||
    journeyRules.some((r) => r.eventType === eventType && r.conditions?.user !== undefined)
  );
}

/** The answer's note when nothing matched. */
export function noRuleNote(outcome: EventOutcome, eventType: string): string | undefined {
  if (outcome.matchedRules.length > 0) return undefined;
  return outcome.engagement
    ? `"${eventType}" is an engagement event: counted, no notification`
    : `no rule of the catalog matches event type "${eventType}": stored, nothing to do`;
}
