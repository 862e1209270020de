// The erasure workflow's activities (workflows/erasure): each step is safe to repeat.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import type { TactPayloadCodec } from '../codec/payload-codec';
import { eraseUserRows, recordErasureCompleted } from '../db/user-data';
import { UserKeyRepository } from '../db/user-keys';
import type { ErasureActivities } from '../workflows/erasure/definitions';
import { userWorkflowId } from '../workflows/definitions';
import { wallClock, type Clock } from '../clock';

export interface ErasureActivityDeps {
  pool: pg.Pool;
  /** A client with the deployment's data converter (terminations carry no payloads, but listing decodes memos). */
  client: Client;
  /** This process's codec, so it forgets a shredded key at once (other processes within the codec's cache TTL). */
  codec?: TactPayloadCodec;
  now?: Clock;
}

const TERMINATE_REASON = 'user erased (DELETE /v1/users/{id})';

export function createErasureActivities(deps: ErasureActivityDeps): ErasureActivities {
  const now = deps.now ?? wallClock;
  const keys = new UserKeyRepository(deps.pool);
  const terminate = async (workflowId: string): Promise<boolean> => {
    try {
      await deps.client.workflow.getHandle(workflowId).terminate(TERMINATE_REASON);
      return true;
    } catch (error) {
      // Not found, or already closed: nothing left to end.
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  };
  return {
    async endUserWorkflows({ userId }) {
      const main = userWorkflowId(userId);
      let ended = (await terminate(main)) ? 1 : 0;
      // The user's own sub-workflows (journeys) are named `user:<id>/…`; user ids cannot contain a quote.
      const query = `WorkflowId STARTS_WITH "${main}/" AND ExecutionStatus = "Running"`;
      for await (const execution of deps.client.workflow.list({ query })) {
        if (await terminate(execution.workflowId)) ended += 1;
      }
      return ended;
    },
    eraseUserRows: ({ userId }) => eraseUserRows(deps.pool, userId),
    async shredUserKey({ userId }) {
      const shredded = await keys.shred(userId, now());
      deps.codec?.forgetUser(userId);
      return shredded !== null;
    },
    recordErasureCompleted: ({ userId, summary }) => recordErasureCompleted(deps.pool, userId, summary, now()),
  };
}
