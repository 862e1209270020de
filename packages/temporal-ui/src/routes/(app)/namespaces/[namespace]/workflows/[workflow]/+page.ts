// A workflow id alone opens its latest run.
import { error, redirect } from '@sveltejs/kit';
import { fetchWorkflowForRunId } from '@temporalio/ui/services/workflow-service';

export const load = async ({ url, params }: { url: URL; params: { namespace: string; workflow: string } }) => {
  const { runId } = await fetchWorkflowForRunId({ namespace: params.namespace, workflowId: params.workflow });
  if (!runId) error(404);
  redirect(302, `${url.pathname}/${runId}`);
};
