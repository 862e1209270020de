// The campaign workflow's history along its continue-as-new chain (bench/campaigns.ts): events per run, and where
// the fan-out's time went: inside the page activities (from scheduled to completed: the segment page, the target
// rows and the page's signals) or between them (the campaign's workflow tasks that schedule the next page).
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

export interface CampaignHistory {
  eventsPerRun: number[];
  pages: number;
  /** Sum over the page activities of scheduled → completed, seconds. */
  inPages: number;
}

function ms(ts: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  return Number(ts?.seconds?.toString() ?? 0) * 1000 + (ts?.nanos ?? 0) / 1e6;
}

export async function campaignHistory(client: Client, workflowId: string): Promise<CampaignHistory> {
  const latest = await client.workflow.getHandle(workflowId).fetchHistory();
  let runId = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
  const result: CampaignHistory = { eventsPerRun: [], pages: 0, inPages: 0 };
  while (runId) {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    result.eventsPerRun.push(events.length);
    const scheduled = new Map<string, number>();
    for (const e of events) {
      const id = e.eventId?.toString() ?? '';
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'handOverPage')
          scheduled.set(id, ms(e.eventTime));
      } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const from = scheduled.get(e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() ?? '');
        if (from === undefined) continue;
        result.pages += 1;
        result.inPages += (ms(e.eventTime) - from) / 1000;
      }
    }
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return result;
}
