import { redirect } from '@sveltejs/kit';

export const load = ({ url }: { url: URL }) => {
  redirect(302, `${url.pathname}/history`);
};
