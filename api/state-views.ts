// GET /v1/users/{id}/state stays up while ingestion keeps the user's workflow busy: the `state` query is given a short
// deadline; past it (or when Temporal is away) the answer is the last view the workflow gave, stored in PostgreSQL by
// this API on every live answer, marked `stale: true` with its `asOf` and the number of accepted items that have not
// reached the workflow since (`undispatched`). With nothing stored yet, the read waits for the query as before.
import type { StateViewRepository } from '../db/state-views';
import type { IngestQueueRepository } from '../db/ingest-queue';
import type { EpochMs } from '../domain/types';
import type { UserStateView } from '../workflows/definitions';
import type { Logger } from './logger';
import { WorkflowsUnavailableError, type UserWorkflows } from './workflow-gateway';

/** Well under the state-read goal (p99 250 ms), so a read that falls back still answers in time. */
export const DEFAULT_STATE_QUERY_DEADLINE_MS = 150;

export type StateAnswer =
  | { kind: 'live'; view: UserStateView; asOf: EpochMs }
  | { kind: 'stored'; view: UserStateView; asOf: EpochMs; undispatched: number }
  | { kind: 'none' };

export interface StateReadDeps {
  workflows: UserWorkflows;
  views: StateViewRepository;
  ingest: Pick<IngestQueueRepository, 'undeliveredFor'>;
  now: () => EpochMs;
  deadlineMs: number;
  logger: Logger;
}

type Settled = { kind: 'answered'; view: UserStateView | null } | { kind: 'failed'; error: unknown };

export async function readState(deps: StateReadDeps, userId: string): Promise<StateAnswer> {
  const asked = deps.now();
  const live: Promise<Settled> = deps.workflows.state(userId).then(
    (view) => {
      if (view !== null) keep(deps, userId, view, deps.now());
      return { kind: 'answered', view };
    },
    (error: unknown) => ({ kind: 'failed', error }),
  );
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), deps.deadlineMs);
  });
  const first = await Promise.race([live, slow]).finally(() => clearTimeout(timer));
  if (first?.kind === 'answered') return answered(first.view, asked);
  if (first?.kind === 'failed' && !(first.error instanceof WorkflowsUnavailableError)) throw first.error;

  // The workflow is slow to answer (or Temporal is away): the last view it gave, if there is one.
  const stored = await deps.views.load<UserStateView>(userId);
  if (stored !== null) {
    return { kind: 'stored', ...stored, undispatched: await deps.ingest.undeliveredFor(userId) };
  }
  const settled = first ?? (await live);
  if (settled.kind === 'failed') throw settled.error;
  return answered(settled.view, asked);
}

function answered(view: UserStateView | null, asOf: EpochMs): StateAnswer {
  return view === null ? { kind: 'none' } : { kind: 'live', view, asOf };
}

/** Stores a live view for the next slow read; a failure only costs that read its fallback. */
function keep(deps: StateReadDeps, userId: string, view: UserStateView, asOf: EpochMs): void {
  deps.views.save(userId, view, asOf).catch((error: unknown) => {
    deps.logger.warn({ error: error instanceof Error ? error.message : 'unknown' }, 'state view not stored');
  });
}
