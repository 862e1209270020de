// Replays the saved histories of the user workflow against the current workflow code, so a change that
// would break running workflows (non-determinism) fails the build. Regenerate the fixtures with
// `UPDATE_HISTORY_FIXTURES=1 npx vitest run test/workflows` after an intentional, patched change.
import { describe, expect, it } from 'vitest';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../workers/worker';
import { HISTORY_FIXTURES_DIR, loadHistoryFixtures, updatingFixtures } from './support/fixtures';

describe('replay of saved histories', () => {
  it.skipIf(updatingFixtures())('replays every fixture without non-determinism', async () => {
    const fixtures = loadHistoryFixtures();
    if (fixtures.length === 0) {
      throw new Error(
        `no history fixtures in ${HISTORY_FIXTURES_DIR}: run UPDATE_HISTORY_FIXTURES=1 npx vitest run test/workflows`,
      );
    }
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: new DefaultLogger('WARN'),
    });
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, fixtures)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(fixtures.length);
  });
});
