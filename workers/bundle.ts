// The workflow bundle, built once at build time (`npm run build` runs this file compiled) so a production worker
// starts without bundling: createTactWorker loads PREBUILT_BUNDLE_PATH when it exists next to the compiled worker.
// From the sources (npm start, tests) there is no such file and the worker bundles at start, as before.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter';

/** The module the workflow bundler starts from (workflows/index.ts, or its compiled copy). */
export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows');

export const PREBUILT_BUNDLE_PATH = path.resolve(__dirname, 'workflow-bundle.js');

export async function writeWorkflowBundle(to: string = PREBUILT_BUNDLE_PATH): Promise<void> {
  // With the failure converter that encodes failure messages (codec/), so the payload codec seals them.
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  writeFileSync(to, code);
}

if (require.main === module) {
  writeWorkflowBundle().then(
    () => process.stdout.write(`workflow bundle written to ${PREBUILT_BUNDLE_PATH}\n`),
    (error: unknown) => {
      process.stderr.write(`cannot bundle the workflows: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
