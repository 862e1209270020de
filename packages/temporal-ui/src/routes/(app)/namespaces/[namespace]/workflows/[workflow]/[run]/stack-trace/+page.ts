import { redirect } from '@sveltejs/kit';
import { routeForCallStack } from '@temporalio/ui/utilities/route-for';

export const load = ({ params }: { params: { namespace: string; workflow: string; run: string } }) => {
  redirect(302, routeForCallStack(params));
};
