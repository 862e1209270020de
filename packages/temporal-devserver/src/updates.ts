// Workflow updates of one run, as Temporal's update registry keeps them: a client's request is admitted, goes to the
// worker as a protocol message with every workflow task until the worker accepts or rejects it (its validator runs
// there), then completes with an outcome. Accepted and completed updates are history events
// (WorkflowExecutionUpdateAccepted / Completed), so a restarted server rebuilds them from history; an admitted one
// lives in memory only, as in Temporal (the client retries it).
import type { temporal } from '@temporalio/proto';
import type { Execution } from './execution';
import { attributesOf, type HistoryEvent } from './history';
import { decodeMessage, encodeMessage, enums, lookupType, type Decoded, type Message } from './proto';

const E = enums.EventType;
const Stage = enums.UpdateWorkflowExecutionLifecycleStage;

const TYPE_PREFIX = 'type.googleapis.com/';
const REQUEST = lookupType('temporal.api.update.v1.Request');
const BODY_TYPES = {
  acceptance: lookupType('temporal.api.update.v1.Acceptance'),
  rejection: lookupType('temporal.api.update.v1.Rejection'),
  response: lookupType('temporal.api.update.v1.Response'),
};

export type UpdateStage = 'admitted' | 'accepted' | 'completed';

interface UpdateState {
  updateId: string;
  request: Message;
  stage: UpdateStage;
  acceptedEventId?: number | undefined;
  /** `{ success: Payloads }` or `{ failure: Failure }` once completed (a rejection completes with its failure). */
  outcome?: Message | undefined;
  waiters: Set<() => void>;
}

/** A protocol message as the worker sends it back (its body a google.protobuf.Any, fields in snake_case). */
export type ProtocolMessage = Decoded<temporal.api.protocol.v1.IMessage>;

type UpdateRequestMessage = Decoded<temporal.api.update.v1.IRequest>;

export class Updates {
  private readonly byId = new Map<string, UpdateState>();

  constructor(private readonly exec: Execution) {}

  /** Rebuilds accepted and completed updates from a stored history. */
  restore(events: HistoryEvent[]): void {
    for (const event of events) {
      if (event.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) {
        const a = attributesOf<{ protocolInstanceId?: string; acceptedRequest?: Message }>(event);
        const updateId = a.protocolInstanceId ?? '';
        this.byId.set(updateId, {
          updateId,
          request: a.acceptedRequest ?? {},
          stage: 'accepted',
          acceptedEventId: event.eventId,
          waiters: new Set(),
        });
      } else if (event.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) {
        const a = attributesOf<{ meta?: { updateId?: string }; outcome?: Message }>(event);
        const update = this.byId.get(a.meta?.updateId ?? '');
        if (update) {
          update.stage = 'completed';
          update.outcome = a.outcome;
        }
      }
    }
  }

  get(updateId: string): UpdateState | undefined {
    return this.byId.get(updateId);
  }

  /** A new request (the caller checked the id is new and the run is running); a workflow task will deliver it. */
  admit(request: UpdateRequestMessage & Message): UpdateState {
    const updateId = request.meta?.updateId ?? '';
    const update: UpdateState = { updateId, request, stage: 'admitted', waiters: new Set() };
    this.byId.set(updateId, update);
    this.exec.tasks.scheduleSpeculative();
    this.exec.host.changed();
    return update;
  }

  /** True while an admitted update waits for a worker (time skipping must not jump past it). */
  hasAdmitted(): boolean {
    for (const u of this.byId.values()) if (u.stage === 'admitted') return true;
    return false;
  }

  /** The request messages a workflow task carries: every update not yet accepted or rejected. */
  requestMessages(startedEventId: number): Message[] {
    const messages: Message[] = [];
    for (const u of this.byId.values()) {
      if (u.stage !== 'admitted') continue;
      messages.push({
        id: `${u.updateId}/request`,
        protocolInstanceId: u.updateId,
        // Processed after the events that came before this task, as Temporal sequences it.
        eventId: startedEventId - 1,
        body: { type_url: `${TYPE_PREFIX}${REQUEST.fullName.slice(1)}`, value: encodeMessage(REQUEST, u.request) },
      });
    }
    return messages;
  }

  /** Applies one message of a completed workflow task (at its place among the commands). */
  apply(message: ProtocolMessage): void {
    const typeUrl = message.body?.type_url ?? '';
    const value = message.body?.value ?? new Uint8Array();
    const update = this.byId.get(message.protocolInstanceId ?? '');
    if (typeUrl.endsWith('temporal.api.update.v1.Acceptance')) {
      const a = decodeMessage<{
        acceptedRequestMessageId?: string;
        acceptedRequestSequencingEventId?: number;
        acceptedRequest?: Message;
      }>(BODY_TYPES.acceptance, value);
      if (!update || update.stage !== 'admitted') return;
      const event = this.exec.append({
        type: E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
        attributes: {
          protocolInstanceId: update.updateId,
          acceptedRequestMessageId: a.acceptedRequestMessageId,
          acceptedRequestSequencingEventId: a.acceptedRequestSequencingEventId,
          acceptedRequest: a.acceptedRequest ?? update.request,
        },
      });
      update.stage = 'accepted';
      update.acceptedEventId = event.eventId;
      this.wake(update);
    } else if (typeUrl.endsWith('temporal.api.update.v1.Rejection')) {
      const r = decodeMessage<{ failure?: Message }>(BODY_TYPES.rejection, value);
      if (!update || update.stage !== 'admitted') return;
      // A rejected update leaves no trace in history; it is completed with the validator's failure.
      this.byId.delete(update.updateId);
      update.stage = 'completed';
      update.outcome = { failure: r.failure ?? { message: 'update rejected' } };
      this.wake(update);
    } else if (typeUrl.endsWith('temporal.api.update.v1.Response')) {
      const r = decodeMessage<{ meta?: Message; outcome?: Message }>(BODY_TYPES.response, value);
      if (!update || update.stage !== 'accepted') return;
      this.exec.append({
        type: E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
        attributes: {
          meta: r.meta ?? { updateId: update.updateId },
          acceptedEventId: update.acceptedEventId,
          outcome: r.outcome,
        },
      });
      update.stage = 'completed';
      update.outcome = r.outcome;
      this.wake(update);
    }
  }

  /** The run closed: waiters re-check (an update that can no longer progress answers NOT_FOUND). */
  closed(): void {
    for (const [id, u] of this.byId) {
      if (u.stage === 'admitted') this.byId.delete(id);
      this.wake(u);
    }
  }

  /** Resolves when the update changes stage, after `timeoutMs`, or when the call is cancelled. */
  waitForChange(update: UpdateState, timeoutMs: number, onCancel: (cb: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        update.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      update.waiters.add(done);
      onCancel(done);
    });
  }

  private wake(update: UpdateState): void {
    for (const waiter of [...update.waiters]) waiter();
  }
}

/** A rejection message: the only kind a speculative workflow task may carry and still be dropped. */
export function isRejection(message: ProtocolMessage): boolean {
  return (message.body?.type_url ?? '').endsWith('temporal.api.update.v1.Rejection');
}

/** The lifecycle stage number the API reports for an update's stage. */
export function stageNumber(stage: UpdateStage): temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage {
  switch (stage) {
    case 'admitted':
      return Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
    case 'accepted':
      return Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
    case 'completed':
      return Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;
  }
}
