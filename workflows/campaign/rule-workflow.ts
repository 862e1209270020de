// One firing of a scheduled rule (docs/campaigns.md "Scheduled rules"): the rule's Temporal Schedule fires at 12:00 UTC
// the day before each occurrence; this opens that occurrence's campaign and starts it as a child campaign workflow, so
// the occurrence is paused, cancelled and tracked like any campaign. A repeated firing for the same date does nothing.
// A firing triggered by hand (nominal time off the calendar) is Temporal's "trigger": an action now, so it opens a
// campaign of the rule's message sent now, and leaves the next occurrence to its own firing.
import { proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { isCalendarFiring, occurrenceFiredAt } from '../../domain/campaign';
import {
  campaignWorkflowId,
  CAMPAIGN_WORKFLOW_TYPE,
  type CampaignActivities,
  type CampaignWorkflowInput,
  type ScheduledRuleInput,
} from './definitions';
import { workflowNow } from '../now';
import { epochMs, epochMsOfDate } from '../../domain/units';
import type { EpochMs } from '../../domain/types';

// A database write, idempotent on the occurrence's id: keep trying through an outage.
const database = proxyActivities<Pick<CampaignActivities, 'openRuleRun'>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export async function scheduledRuleWorkflow({ ruleId, recurrence }: ScheduledRuleInput): Promise<string | null> {
  const date = occurrenceFiredAt(recurrence, epochMsOfDate(workflowInfo().runStartTime));
  const nominal = scheduledAt();
  const triggered = nominal !== undefined && !isCalendarFiring(recurrence, nominal);
  const { campaignId, created } = await database.openRuleRun({
    ruleId,
    date,
    ...(triggered ? { triggeredAt: nominal } : {}),
    now: workflowNow(),
  });
  if (!created) return null;
  const input: CampaignWorkflowInput = { campaignId };
  // Abandoned: the occurrence outlives this firing (it stays open until its candidates expire), and the schedule's
  // overlap policy must not skip next week's firing because of it.
  await startChild(CAMPAIGN_WORKFLOW_TYPE, {
    workflowId: campaignWorkflowId(campaignId),
    args: [input],
    parentClosePolicy: 'ABANDON',
    staticSummary: `Tact campaign ${campaignId}: ${triggered ? 'triggered run' : 'occurrence'} of rule ${ruleId}`,
  });
  return campaignId;
}

/**
 * The firing's nominal time: the schedule sets TemporalScheduledStartTime on what it starts (the trigger time for a
 * trigger). Read untyped: servers may store it without the type metadata the typed view needs. Absent when the
 * workflow was started some other way; it then runs as a calendar firing.
 */
function scheduledAt(): EpochMs | undefined {
  const value = workflowInfo().searchAttributes.TemporalScheduledStartTime?.[0];
  const at = value === undefined ? NaN : new Date(value as string | Date).getTime();
  return Number.isFinite(at) ? epochMs(at) : undefined;
}
