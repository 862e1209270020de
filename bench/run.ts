/**
 * `npm run bench [suite ...]`: runs every bench/<suite>.ts and packages/<package>/bench/<suite>.ts (or the named
 * ones) in turn and prints a summary. A suite is a file directly in such a bench/ folder that exports
 * `async function run(): Promise<void>` and prints its own table. Helper modules live in sub-folders, so they are
 * never mistaken for suites.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { present } from '../domain/present';

interface SuiteModule {
  run?: unknown;
}

const PACKAGES = path.join(__dirname, '..', 'packages');

function suitesIn(folder: string): [string, string][] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && entry.name !== 'run.ts')
    .map((entry) => [entry.name.replace(/\.ts$/, ''), path.join(folder, entry.name)]);
}

/** Suite name → file. */
function availableSuites(): Map<string, string> {
  const packageBenches = readdirSync(PACKAGES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(PACKAGES, entry.name, 'bench')))
    .flatMap((entry) => suitesIn(path.join(PACKAGES, entry.name, 'bench')));
  return new Map([...suitesIn(__dirname), ...packageBenches].sort(([a], [b]) => a.localeCompare(b)));
}

async function main(): Promise<void> {
  const available = availableSuites();
  const requested = process.argv.slice(2).map((name) => name.replace(/\.ts$/, ''));
  const unknown = requested.filter((name) => !available.has(name));
  if (unknown.length > 0) {
    const names = [...available.keys()].join(', ');
    throw new Error(`unknown bench suite(s): ${unknown.join(', ')}; available: ${names || '(none)'}`);
  }
  const selected = requested.length > 0 ? requested : [...available.keys()];
  const summary: { suite: string; outcome: string; seconds: string }[] = [];

  for (const name of selected) {
    console.log(`\n=== bench: ${name} ===`);
    const started = performance.now();
    try {
      const file = present(available.get(name), `bench suite ${name}`);
      const mod = require(file) as SuiteModule;
      if (typeof mod.run !== 'function') throw new Error(`${path.relative(process.cwd(), file)} does not export run()`);
      await (mod.run as () => Promise<void>)();
      summary.push({ suite: name, outcome: 'ok', seconds: ((performance.now() - started) / 1000).toFixed(1) });
    } catch (err) {
      console.error(`bench ${name} failed:`, err);
      summary.push({ suite: name, outcome: 'FAILED', seconds: ((performance.now() - started) / 1000).toFixed(1) });
    }
  }

  console.log('\n=== bench summary ===');
  for (const row of summary) console.log(`${row.suite.padEnd(24)} ${row.outcome.padEnd(7)} ${row.seconds} s`);
  if (summary.some((row) => row.outcome !== 'ok')) process.exitCode = 1;
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  // Worker runtimes and gRPC channels may keep handles open after the suites finished.
  .finally(() => setImmediate(() => process.exit()));
