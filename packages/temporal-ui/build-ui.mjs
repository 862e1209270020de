// Builds the UI (`vite build` into build/) unless the build there was made from the same inputs: this package's
// sources and configuration and the installed versions of what it is built from. `npm start` and the browser test
// call it, so only the first run after a change pays for the build (about a minute); nothing is downloaded.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const build = path.join(here, 'build');
const stamp = path.join(build, '.inputs-sha256');
const CONFIG = ['package.json', 'svelte.config.js', 'vite.config.js', 'postcss.config.js', 'tailwind.config.cjs'];
const BUILT_FROM = ['@temporalio/ui', 'svelte', '@sveltejs/kit', '@sveltejs/vite-plugin-svelte', 'vite', 'tailwindcss'];

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : [full];
    });
}

/** The installed package's package.json (by folder: @temporalio/ui's exports do not include it). */
function installedManifest(name) {
  for (let dir = here; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return readFileSync(manifest, 'utf8');
    if (path.dirname(dir) === dir) throw new Error(`${name} is not installed: run npm ci at the repository root`);
  }
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of [...CONFIG.map((f) => path.join(here, f)), ...files(path.join(here, 'src'))]) {
    hash.update(path.relative(here, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const name of BUILT_FROM)
    hash
      .update(name)
      .update(JSON.parse(installedManifest(name)).version)
      .update('\0');
  return hash.digest('hex');
}

const wanted = inputsHash();
if (existsSync(path.join(build, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  process.exit(0);
}
process.stdout.write("Building Temporal's Web UI from @temporalio/ui (after a change only; about a minute)…\n");
const vite = path.join(path.dirname(fileURLToPath(import.meta.resolve('vite/package.json'))), 'bin', 'vite.js');
const result = spawnSync(process.execPath, [vite, 'build'], { cwd: here, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write(`Temporal UI build failed (vite build exited ${result.status ?? result.signal})\n`);
  process.exit(1);
}
writeFileSync(stamp, wanted);
process.stdout.write(`Temporal UI built in ${path.relative(process.cwd(), build) || build}\n`);
