// Wires the user workflow's activities from injected dependencies.
import { DEFAULT_POLICY, type PolicyConfig } from '../domain';
import type { DecisionStore } from '../domain/ports';
import { createRecordDecisions } from './decisions';
import { createScoreCandidates } from './scoring';
import type { DeliverNotificationInput, DeliveryResult, TactActivities } from './types';

export type Deliver = (input: DeliverNotificationInput) => Promise<DeliveryResult>;

export interface ActivityDeps {
  decisions: DecisionStore;
  deliver: Deliver;
  policy?: PolicyConfig;
}

export function createActivities(deps: ActivityDeps): TactActivities {
  return {
    scoreCandidates: createScoreCandidates(deps.policy ?? DEFAULT_POLICY),
    deliverNotification: (input) => deps.deliver(input),
    recordDecisions: createRecordDecisions(deps.decisions),
  };
}

/**
 * DRY RUN: reports every notification as delivered on the first allowed channel without contacting
 * any provider or rendering anything. The worker's default until real delivery is configured.
 */
export function createDryRunDeliver(now: () => number = Date.now): Deliver {
  return async ({ channels }) => {
    const channel = channels[0];
    if (channel === undefined) return { kind: 'failed', reason: 'no_channel', detail: 'no allowed channel' };
    return { kind: 'delivered', channel, endpoints: 1, at: now() };
  };
}

export { InMemoryDecisionStore } from './decisions';
export type * from './types';
