// The namespace's search attributes, which the workflow filters offer (Tact's TactNextSendAt, TactQueueSize, …).
import { fetchSearchAttributesForNamespace } from '@temporalio/ui/services/search-attributes-service';
import { allSearchAttributes } from '@temporalio/ui/stores/search-attributes';

export const load = async ({
  params,
  parent,
  fetch,
}: {
  params: { namespace: string };
  parent: () => Promise<unknown>;
  fetch: typeof globalThis.fetch;
}) => {
  await parent();
  allSearchAttributes.set(await fetchSearchAttributesForNamespace(params.namespace, fetch));
};
