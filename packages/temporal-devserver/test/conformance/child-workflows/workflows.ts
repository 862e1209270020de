import {
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  ParentClosePolicy,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';

export async function childEcho(value: string): Promise<{ value: string; parentWorkflowId: string | undefined }> {
  return { value, parentWorkflowId: workflowInfo().parent?.workflowId };
}

export async function childFails(message: string): Promise<never> {
  throw ApplicationFailure.nonRetryable(message, 'ChildBroke');
}

export async function childSleeps(): Promise<void> {
  await sleep('1 day');
}

export async function parentExecutesChild(value: string) {
  return executeChild(childEcho, { args: [value] });
}

/** Returns the child's failure as data, so the test can inspect what the parent saw. */
export async function parentCatchesChildFailure(message: string) {
  try {
    await executeChild(childFails, { args: [message] });
    return { caught: false };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    const cause = err.cause;
    return {
      caught: true,
      causeType: cause instanceof ApplicationFailure ? cause.type : undefined,
      causeMessage: cause?.message,
    };
  }
}

/** Starts a long-sleeping child with the given parent close policy, then completes right away. */
export async function parentLeavesChild(childId: string, policy: ParentClosePolicy): Promise<string> {
  const child = await startChild(childSleeps, { workflowId: childId, parentClosePolicy: policy });
  return child.firstExecutionRunId;
}
