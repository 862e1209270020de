// The commands the user workflow issues for its journeys (the decisions are in journey-host.ts): start the runs it
// enrolled, then signal each run its numbered messages, one signal per run, awaited, so a run receives them in order.
// A message leaves the outbox only once its signal is delivered; the outbox is carried across continue-as-new, and a
// run ignores a number it has already taken, so nothing is lost or taken twice.
import {
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { EpochMs } from '../domain/types';
import { JOURNEY_WORKFLOW_TYPE, journeyMessagesSignal } from '../journeys/definitions';
import type { journeyWorkflow } from '../journeys/runtime';
import { queueOutcomes, startInput, type HostedUser, type JourneyHosting } from './journey-host';
import { TactJourney, TactJourneyStep } from './search-attributes';

/** Issues what the journeys are owed. Returns whether it issued anything (the loop then looks at its inbox again). */
export async function hostJourneys(
  user: HostedUser,
  hosting: JourneyHosting,
  lastEngagementAt: EpochMs | undefined,
): Promise<boolean> {
  const h = user.journeys;
  if (h === undefined) return false;
  queueOutcomes(user, hosting, lastEngagementAt);
  let issued = false;
  for (const run of h.active) {
    if (run.start === undefined) continue;
    const input = startInput(user, { ...run, start: run.start }, hosting.userWorkflowId, lastEngagementAt);
    // ABANDON: the user workflow continues-as-new every few weeks; its journeys must outlive each run of it.
    await startChild<typeof journeyWorkflow>(JOURNEY_WORKFLOW_TYPE, {
      workflowId: run.runId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: TactJourney, value: run.journey },
        { key: TactJourneyStep, value: 'enrolled' },
      ],
      staticSummary: `Journey ${run.journey} v${run.version}`,
    });
    delete run.start;
    issued = true;
  }
  const batches = h.active.filter((r) => r.start === undefined && r.outbox.length > 0);
  if (batches.length === 0) return issued;
  await Promise.all(
    batches.map(async (run) => {
      const messages = run.outbox.slice();
      try {
        await getExternalWorkflowHandle(run.runId).signal(journeyMessagesSignal, messages);
      } catch (err) {
        // The run has closed (its end report is on its way): nothing of this is for anyone any more.
        log.warn('journey run gone; messages dropped', {
          runId: run.runId,
          messages: messages.length,
          error: String(err),
        });
      }
      run.outbox.splice(0, messages.length);
    }),
  );
  return true;
}
