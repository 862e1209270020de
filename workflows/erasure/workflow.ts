// Erasure of one user (DELETE /v1/users/{id}): durable, so an erasure that was accepted finishes across crashes and
// outages, and idempotent, so a repeated request or a retried step changes nothing twice. Order matters: the user's
// workflows end first (nothing writes for them any more), then their rows go, then a second pass ends any workflow a
// racing write started meanwhile, and only then is the key shredded (a running workflow could not read its own
// history once it is gone).
import { proxyActivities } from '@temporalio/workflow';
import type { ErasureActivities, ErasureInput, ErasureResult } from './definitions';

// Temporal frontend calls: an outage ends; keep trying, with a ceiling of one minute between attempts.
const temporalCalls = proxyActivities<Pick<ErasureActivities, 'endUserWorkflows'>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

// Database writes: each is one transaction and safe to repeat; a user with years of decisions may take a while.
// Unlimited attempts: an accepted erasure must complete once the database is back.
const databaseWrites = proxyActivities<Omit<ErasureActivities, 'endUserWorkflows'>>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export async function erasureWorkflow({ userId }: ErasureInput): Promise<ErasureResult> {
  const ended = await temporalCalls.endUserWorkflows({ userId });
  const rows = await databaseWrites.eraseUserRows({ userId });
  const endedLate = await temporalCalls.endUserWorkflows({ userId });
  const keyShredded = await databaseWrites.shredUserKey({ userId });
  const summary = {
    workflowsEnded: ended + endedLate,
    rowsDeleted: rows.deleted,
    decisionsAggregated: rows.decisionsAggregated,
    keyShredded,
  };
  await databaseWrites.recordErasureCompleted({ userId, summary });
  return { userId, ...summary };
}
