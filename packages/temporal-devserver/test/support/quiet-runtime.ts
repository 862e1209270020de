import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Installs the SDK runtime with a WARN-level logger, once per process; a runtime that already exists is kept. */
export function installQuietRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // A runtime already exists in this process (e.g. created by the env helper); keep it.
  }
}
