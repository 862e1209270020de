// Search attributes of the user workflow: what ops filter on in the Temporal UI
// ("users with a notification due in the next hour"). None of them carries PII.
// This module only imports @temporalio/common so setup code (devserver, compose) can use it too.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TactNextSendAt = defineSearchAttributeKey('TactNextSendAt', SearchAttributeType.DATETIME);
export const TactQueueSize = defineSearchAttributeKey('TactQueueSize', SearchAttributeType.INT);
export const TactBudgetLeft = defineSearchAttributeKey('TactBudgetLeft', SearchAttributeType.INT);
export const TactOptedOut = defineSearchAttributeKey('TactOptedOut', SearchAttributeType.BOOL);
/** On journey runs (journeys/runtime.ts): the journey's name and the run's current step. */
export const TactJourney = defineSearchAttributeKey('TactJourney', SearchAttributeType.KEYWORD);
export const TactJourneyStep = defineSearchAttributeKey('TactJourneyStep', SearchAttributeType.KEYWORD);
/** On campaign workflows (workflows/campaign/): the campaign's id and its lifecycle status (running, paused…). */
export const TactCampaign = defineSearchAttributeKey('TactCampaign', SearchAttributeType.KEYWORD);
export const TactCampaignState = defineSearchAttributeKey('TactCampaignState', SearchAttributeType.KEYWORD);

/** Every key above, for registering them with a server (`createTestEnv`, `TestWorkflowEnvironment.createLocal`). */
export const TACT_SEARCH_ATTRIBUTE_KEYS = [
  TactNextSendAt,
  TactQueueSize,
  TactBudgetLeft,
  TactOptedOut,
  TactJourney,
  TactJourneyStep,
  TactCampaign,
  TactCampaignState,
];

/**
 * Name → type, in the spelling the Temporal CLI expects
 * (`temporal server start-dev --search-attribute TactQueueSize=Int`,
 * `temporal operator search-attribute create --name TactQueueSize --type Int`).
 */
export const TACT_SEARCH_ATTRIBUTES = {
  TactNextSendAt: 'Datetime',
  TactQueueSize: 'Int',
  TactBudgetLeft: 'Int',
  TactOptedOut: 'Bool',
  TactJourney: 'Keyword',
  TactJourneyStep: 'Keyword',
  TactCampaign: 'Keyword',
  TactCampaignState: 'Keyword',
} as const satisfies Record<string, 'Datetime' | 'Int' | 'Bool' | 'Keyword'>;

/** `--search-attribute` arguments for `temporal server start-dev` and the bundled offline server. */
export function searchAttributeCliArgs(): string[] {
  return Object.entries(TACT_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}
