import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  logLevel: 'warn',
  define: {
    // The API is on the page's own origin, as Temporal's UI server serves it (its `VITE_API` is empty there too).
    'import.meta.env.VITE_API': JSON.stringify(''),
    'import.meta.env.VITE_TEMPORAL_UI_BUILD_TARGET': JSON.stringify('local'),
  },
  build: {
    // Monaco and CodeMirror make large chunks; size warnings would only be noise here.
    chunkSizeWarningLimit: 10_000,
    reportCompressedSize: false,
  },
});
