import { redirect } from '@sveltejs/kit';
import { routeForWorkflows } from '@temporalio/ui/utilities/route-for';

export const load = async ({ parent }: { parent: () => Promise<{ settings: { defaultNamespace: string } }> }) => {
  const { settings } = await parent();
  redirect(302, routeForWorkflows({ namespace: settings.defaultNamespace }));
};
