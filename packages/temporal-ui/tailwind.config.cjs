// Temporal's UI styles: its Tailwind theme plugin, and the classes used by its components in the package. The
// package's exports map only `import`, so the plugin is loaded by file (Tailwind's loader transpiles it).
const { existsSync } = require('node:fs');
const path = require('node:path');
const defaultTheme = require('tailwindcss/defaultTheme');

const dist = ['node_modules/@temporalio/ui/dist', '../../node_modules/@temporalio/ui/dist']
  .map((d) => path.join(__dirname, d))
  .find((d) => existsSync(d));
if (!dist) throw new Error('@temporalio/ui is not installed: run npm ci at the repository root');
const { default: temporal, textStyles } = require(path.join(dist, 'theme/plugin.js'));

/** @type {import('tailwindcss').Config} */
module.exports = {
  content: [path.join(__dirname, 'src/**/*.{html,js,ts,svelte}'), `${dist}/**/*.{js,svelte}`],
  darkMode: ['selector', '[data-theme="dark"]'],
  theme: {
    fontFamily: {
      sans: ['Inter', ...defaultTheme.fontFamily.sans],
      mono: ['Noto Sans Mono', ...defaultTheme.fontFamily.mono],
    },
    extend: {
      animation: { 'spin-slow': 'spin 3s linear infinite' },
      zIndex: { 100: '100' },
    },
  },
  plugins: [temporal, textStyles],
};
