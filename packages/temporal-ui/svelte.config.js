// A static single-page app: every route renders in the browser (ssr off), unknown paths get index.html, which the
// dev server's UI port serves for any path that is not a file.
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: [vitePreprocess()],
  kit: {
    adapter: adapter({ fallback: 'index.html', pages: 'build', assets: 'build' }),
    prerender: { entries: [] },
    version: { pollInterval: 0 },
  },
};
